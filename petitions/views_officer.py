"""The officials' workspace (/officer/): the queue, the review page, decisions, the supervisor view.

Every view here sits behind the second factor (portal.middleware.SecondFactorRequiredMiddleware)
and refuses anyone who is not an official. A petition of an office the official is not a
member of is a 404, whatever the URL and whether or not it exists.
"""

from __future__ import annotations

import datetime
from typing import cast

from axes.helpers import get_client_ip_address
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from portal.models import User
from portal.notifications.selectors import notifications_for_case
from portal.roles import english_active as _english
from portal.roles import official_required

from . import delegation_selectors, delegation_services
from . import officer_selectors as selectors
from . import officer_services as services
from .calendar import add_working_days, local_today
from .errors import PetitionError
from .forms import LetterRefuseForm, answer_changes, display_value, spec_label
from .models import OPEN_STATUSES, Petition
from .notifications import petition_case_refs
from .payments.selectors import petition_fee_for_official

S = Petition.Status


# --- Forms ----------------------------------------------------------------------------------


class QueueFilterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Receipt number or applicant name"), max_length=100, required=False)
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False)
    petition_type = forms.TypedChoiceField(
        label=gettext_lazy("Petition type"), required=False, coerce=int, empty_value=None
    )
    assignee = forms.ChoiceField(
        label=gettext_lazy("Assigned to"),
        required=False,
        choices=[
            ("anyone", gettext_lazy("Anyone")),
            ("me", gettext_lazy("Me")),
            ("unassigned", gettext_lazy("Unassigned")),
        ],
    )
    due = forms.ChoiceField(
        label=gettext_lazy("Due"),
        required=False,
        choices=[
            ("", gettext_lazy("Any time")),
            ("today", gettext_lazy("Due today")),
            ("overdue", gettext_lazy("Overdue")),
        ],
    )
    fetch_problems = forms.BooleanField(label=gettext_lazy("Only petitions with fetch problems"), required=False)
    sort = forms.ChoiceField(
        label=gettext_lazy("Sort by"),
        required=False,
        choices=[
            ("due", gettext_lazy("Due date (soonest first)")),
            ("submitted", gettext_lazy("Filed (oldest first)")),
            ("submitted_desc", gettext_lazy("Filed (newest first)")),
        ],
    )
    page = forms.IntegerField(required=False, min_value=1, max_value=100000, widget=forms.HiddenInput)

    def __init__(self, *args, petition_types=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["status"]).choices = [
            ("", _("Open petitions")),
            ("all", _("All statuses")),
        ] + [(value, label) for value, label in S.choices if value != S.DRAFT]
        cast(forms.ChoiceField, self.fields["petition_type"]).choices = [("", _("All types"))] + [
            (str(pk), name) for pk, name in petition_types
        ]

    def filters(self) -> selectors.QueueFilters:
        data = self.cleaned_data if self.is_valid() else {}
        return selectors.QueueFilters(
            status=data.get("status") or "",
            petition_type=data.get("petition_type"),
            assignee=data.get("assignee") or "anyone",
            due=data.get("due") or "",
            fetch_problems=bool(data.get("fetch_problems")),
            q=data.get("q") or "",
            sort=data.get("sort") or "due",
            page=data.get("page") or 1,
        )


class ReceiptNumbersField(forms.MultipleChoiceField):
    def valid_value(self, value):
        return bool(selectors.RECEIPT_PATTERN.match(str(value)))


class BulkAssignForm(forms.Form):
    petitions = ReceiptNumbersField(
        label=gettext_lazy("Petitions"), error_messages={"required": gettext_lazy("Choose at least one petition.")}
    )
    assignee = forms.ChoiceField(label=gettext_lazy("Assign to"))

    def __init__(self, *args, officials=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.officials = {str(u.pk): u for u in officials}
        cast(forms.ChoiceField, self.fields["assignee"]).choices = [
            ("", _("Choose an official")),
            ("none", _("Nobody (unassign)")),
        ] + [
            (str(u.pk), f"{u.display_name} ({u.staff_number})" if u.staff_number else u.display_name) for u in officials
        ]

    def assignee_user(self) -> User | None:
        value = self.cleaned_data["assignee"]
        return None if value == "none" else self.officials[value]


class VerifiedOtherwiseForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("How was it verified?"),
        max_length=500,
        help_text=gettext_lazy("E.g. the paper document the applicant brought to the counter. Seen by officials only."),
        error_messages={"required": gettext_lazy("Say how the information was verified.")},
    )


class NoteForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Internal note"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Seen by officials of the office only."),
    )


class RevealForm(forms.Form):
    item = forms.SlugField(max_length=60, widget=forms.HiddenInput)
    field = forms.SlugField(max_length=60, widget=forms.HiddenInput)
    reason = forms.CharField(
        label=gettext_lazy("Reason for revealing"),
        max_length=300,
        error_messages={"required": gettext_lazy("Give the reason for revealing the masked value.")},
    )


class ApproveForm(forms.Form):
    decision = forms.CharField(
        label=gettext_lazy("Decision (shown on the result notice)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for the rejection"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": gettext_lazy("Give the reason for the rejection; the citizen reads it in the notice.")
        },
    )


class SupplementForm(forms.Form):
    message = forms.CharField(
        label=gettext_lazy("What is needed and why"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    field_keys = forms.MultipleChoiceField(
        label=gettext_lazy("Answers to correct"), required=False, widget=forms.CheckboxSelectMultiple
    )
    documents_requested = forms.BooleanField(label=gettext_lazy("Ask for documents to upload"), required=False)
    due_date = forms.DateField(label=gettext_lazy("Answer by"), widget=forms.DateInput(attrs={"type": "date"}))
    # The item whose document is asked for instead of fetching it (prefilled from the item's panel).
    item = forms.CharField(required=False, max_length=60, widget=forms.HiddenInput)

    def __init__(self, *args, petition: Petition, **kwargs):
        kwargs["initial"] = {"due_date": add_working_days(local_today(), 7), **(kwargs.get("initial") or {})}
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["field_keys"]).choices = [
            (spec["key"], spec_label(spec)) for spec in (petition.type_snapshot or {}).get("fields", [])
        ]

    def clean_due_date(self):
        value = self.cleaned_data["due_date"]
        if value <= local_today():
            raise forms.ValidationError(_("The answer date must be after today."))
        if value > local_today() + datetime.timedelta(days=90):
            raise forms.ValidationError(_("The answer date must be within 90 days."))
        return value

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        if not cleaned.get("field_keys") and not cleaned.get("documents_requested"):
            raise forms.ValidationError(_("Name the answers to correct or ask for documents."))
        return cleaned


# --- The queue ------------------------------------------------------------------------------


@official_required
@require_GET
def workspace(request):
    memberships = selectors.memberships_for(user=request.user)
    office_ids = [m.office_id for m in memberships]
    supervised = [m.office_id for m in memberships if m.role == m.Role.SUPERVISOR]
    petition_types = selectors.petition_types_for_filter()
    form = QueueFilterForm(request.GET or None, petition_types=petition_types)
    status = 200
    if request.GET and not form.is_valid():
        status = 400
    filters = form.filters() if request.GET else selectors.QueueFilters()
    page = selectors.queue_page(user=request.user, office_ids=office_ids, filters=filters)
    query = request.GET.copy()
    query.pop("page", None)
    assign_form = (
        BulkAssignForm(officials=selectors.assignable_officials(office_ids=supervised)) if supervised else None
    )
    return render(
        request,
        "officer/workspace.html",
        {
            "memberships": memberships,
            "form": form,
            # Its choices hold the petition types; its data, the query string (errors come from them).
            "filter_form_version": _form_version(form, petition_types, sorted(request.GET.lists())),
            "filters": filters,
            "queue": page,
            "queue_rows": [
                (row, _queue_row_version(row, picks=assign_form is not None, supervised_office_ids=supervised))
                for row in page.rows
            ],
            "counts": selectors.queue_counts(office_ids=office_ids),
            "assign_form": assign_form,
            "supervised_office_ids": supervised,
            "page_query": query.urlencode(),
        },
        status=status,
    )


def _form_version(form: forms.Form, *rendered_from) -> str:
    """The key of a form's ``{% cache %}`` fragment (templates/includes/cached_form.html) besides
    the language: the form's class and what else it is rendered from (``rendered_from``: data,
    choices, initial values). Labels, help texts and widgets are the code's: the fragments cache
    is per process and a deploy starts it empty.

    Rendering a form through crispy-forms costs some hundred template includes: the queue's
    filter form 4 ms of CPU per page, the review page's four forms 2 ms
    (tests/bench/test_page_render_bench.py)."""
    return repr((type(form).__module__, type(form).__qualname__, *rendered_from))


def _queue_row_version(row: selectors.QueueRow, *, picks: bool, supervised_office_ids: list[int]) -> str:
    """Everything a row of the queue is rendered from (besides the language): the key of the
    row's ``{% cache %}`` fragment in officer/includes/queue_table.html, so a change of any of it
    renders the row anew and a row is never served stale, whoever or whatever changed it (a
    ``save()``, an ``update()``, a fetch, a renamed type or official).

    Rendering the 25 rows through the template loop costs about 4 ms of CPU per queue page more
    than the rows built as strings did (12.5 against 8.4 ms, tests/bench/test_page_render_bench.py);
    from the cache, about the same as they did. The rows hold no CSRF token (the claim buttons submit a form outside the
    table), so a cached row serves every official who may see it."""
    p = row.petition
    details = p.applicant_details if isinstance(p.applicant_details, dict) else {}
    return repr(
        (
            p.pk,
            p.receipt_no,
            p.petition_type.name,
            details.get("name"),
            p.status,
            p.due_date,
            p.submitted_at,
            timezone.get_current_timezone_name(),
            p.assigned_to.display_name if p.assigned_to else None,
            getattr(p, "represented_basis", None),
            getattr(p, "represented_letter", None),
            row.overdue,
            row.due_today,
            row.fetch_pending,
            [(f.item.name, f.state) for f in row.fetch_problems],
            picks,
            picks and p.office_id in supervised_office_ids,
        )
    )


@official_required
@require_POST
def assign(request):
    memberships = selectors.memberships_for(user=request.user)
    supervised = [m.office_id for m in memberships if m.role == m.Role.SUPERVISOR]
    if not supervised:
        raise Http404
    form = BulkAssignForm(request.POST, officials=selectors.assignable_officials(office_ids=supervised))
    back = request.POST.get("next") or ""
    back = back if back.startswith("/officer/") and "//" not in back else reverse("officer:workspace")
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect(back)
    receipt_nos = form.cleaned_data["petitions"]
    petitions = list(Petition.objects.filter(receipt_no__in=receipt_nos, office_id__in=supervised))
    if len(petitions) != len(set(receipt_nos)):
        raise Http404  # a petition of another office, or one that does not exist
    try:
        changed = services.petitions_assign(petitions=petitions, assignee=form.assignee_user(), actor=request.user)
    except PetitionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(count)d petition(s) assigned.") % {"count": changed})
    return redirect(back)


# --- The review page ------------------------------------------------------------------------


def _display(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list):
        return ", ".join(_display(v) for v in value) or "—"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_display(v)}" for k, v in value.items()) or "—"
    return str(value)


def _mapping_by_item(petition: Petition) -> dict[str, dict]:
    return {m["item_code"]: m for m in (petition.type_snapshot or {}).get("required_information", [])}


def _fetch_panels(request, petition: Petition, reveal: dict | None) -> list[dict]:
    """One panel per fetched item: only the mapped fields, read through the sharing API, which
    writes one access-log entry per item shown (and "revealed" with the reason for a reveal)."""
    from sharing.errors import STOPPED_CODES, NotFetchedYet
    from sharing.services import personal_data_read

    english = _english()
    mappings = _mapping_by_item(petition)
    ip_address = get_client_ip_address(request)
    order = {code: index for index, code in enumerate(mappings)}
    fetches = sorted(selectors.review_fetches(petition), key=lambda f: (order.get(f.item.code, len(order)), f.pk))
    panels = []
    for fetch in fetches:  # in the order the petition type lists its items
        mapping = mappings.get(fetch.item.code, {})
        labels = mapping.get("field_labels", {})
        panel = {
            "fetch": fetch,
            "mapping": mapping,
            "fields": [],
            "revealed": None,
            "purpose": (mapping.get("purpose_en") if english else mapping.get("purpose_ko")) or "",
            # Not fetched and not taken care of otherwise: ask the citizen, or mark it verified.
            "movable": fetch.state != fetch.State.FETCHED and fetch.error_code not in STOPPED_CODES,
        }
        if fetch.state == fetch.State.FETCHED:
            revealing = reveal if reveal and reveal["item"] == fetch.item.code else None
            try:
                values = personal_data_read(
                    fetch_request=fetch,
                    actor=request.user,
                    office=petition.office,
                    purpose=fetch.purpose_code,
                    ip_address=ip_address,
                    reveal_fields=[revealing["field"]] if revealing else (),
                    reason=revealing["reason"] if revealing else "",
                )
            except (NotFetchedYet, PermissionDenied):
                values = None
            if values is not None:
                for key, value in values.items():
                    ko, en = (labels.get(key) or [key, key])[:2]
                    panel["fields"].append(
                        {
                            "key": key,
                            "label": (en if english and en else ko),
                            "value": _display(value),
                            "unique_id": key in fetch.unique_id_keys,
                            "revealed": bool(revealing and revealing["field"] == key),
                        }
                    )
                panel["revealed"] = revealing
        panels.append(panel)
    return panels


def _with_changes(supplements: list, specs: list[dict]) -> list:
    """Each supplement with the answers it corrected as the citizen saw them (``changes``)."""
    for supplement in supplements:
        supplement.changes = answer_changes(specs, supplement.previous_values, supplement.new_values)
    return supplements


def _review_context(request, petition: Petition, *, reveal: dict | None = None, **bound) -> dict:
    from sharing.documents.selectors import documents_for_case

    memberships = selectors.memberships_for(user=request.user)
    snapshot = petition.type_snapshot or {}
    documents = documents_for_case(petition.case_ref)
    attachments = [d for d in documents if getattr(d, "kind", "") == "attachment" and d.is_issued]
    supervisor = selectors.is_supervisor(memberships, petition.office_id)
    # services.may_decide (the assigned official or a supervisor of the office, and a member of
    # it), read from the memberships above instead of two more queries; the decision itself is
    # checked again by the service, on the locked row.
    member = any(m.office_id == petition.office_id for m in memberships) and request.user.is_official
    can_decide = member and (petition.assigned_to_id == request.user.pk or supervisor)
    today = local_today()
    running = petition.status in selectors.CLOCK_RUNNING and petition.due_date is not None
    representation = delegation_selectors.representation_of(petition)
    if representation is not None:
        delegation_services.representation_view_log(
            representation=representation, viewer=request.user, ip_address=get_client_ip_address(request)
        )
    letter_pending = bool(
        representation
        and representation.is_letter
        and representation.letter_state == representation.LetterState.PENDING
        and petition.status == S.SUBMITTED
    )
    return {
        "petition": petition,
        "representation": representation,
        "letter_pending": letter_pending,
        "letter_refuse_form": bound.get("letter_refuse_form") or LetterRefuseForm(),
        "rows": [
            (spec_label(spec), display_value(spec, petition.data.get(spec["key"])))
            for spec in snapshot.get("fields", [])
        ],
        "panels": _fetch_panels(request, petition, reveal),
        "verify_form": bound.get("verify_form") or VerifiedOtherwiseForm(),
        "verify_item": bound.get("verify_item", ""),
        "attachments": attachments,
        "documents": [d for d in documents if d not in attachments],
        "timeline": selectors.timeline(petition),
        "notifications": notifications_for_case(case_refs=petition_case_refs(petition)),
        "supplements": _with_changes(selectors.supplements(petition), snapshot.get("fields", [])),
        "notes": selectors.internal_notes(petition),
        "is_open": petition.status in OPEN_STATUSES,
        "can_claim": petition.status in OPEN_STATUSES and petition.assigned_to_id is None,
        "can_decide": can_decide,
        "is_supervisor": supervisor,
        "decidable": petition.status in selectors.DECIDABLE,
        "can_reject": petition.status in (S.UNDER_REVIEW, S.SUPPLEMENT_SUBMITTED, S.SUPPLEMENT_REQUESTED),
        "overdue": running and petition.due_date is not None and petition.due_date < today,
        "due_today": running and petition.due_date == today,
        **_decision_forms(petition, bound),
        "reveal_form": bound.get("reveal_form"),
        "refused": bound.get("refused"),
        "fee": petition_fee_for_official(petition, official=request.user, ip_address=get_client_ip_address(request)),
    }


def _with_supplement_prefill(request, petition: Petition, bound: dict) -> dict:
    """``?supplement_item=<item>``: the supplement form asks for that item's document."""
    item_code = request.GET.get("supplement_item", "")
    if item_code and "supplement_form" not in bound and petition.status in OPEN_STATUSES:
        initial = services.supplement_item_prefill(petition=petition, item_code=item_code)
        if initial is not None:
            return {**bound, "supplement_form": SupplementForm(petition=petition, initial=initial)}
    return bound


def _decision_forms(petition: Petition, bound: dict) -> dict:
    """The review page's forms, each with the version of its ``{% cache %}`` fragment: None for
    a form bound to a refused POST (its errors are shown)."""
    forms_ = {
        "note_form": bound.get("note_form") or NoteForm(),
        "approve_form": bound.get("approve_form") or ApproveForm(),
        "reject_form": bound.get("reject_form") or RejectForm(),
        "supplement_form": bound.get("supplement_form") or SupplementForm(petition=petition),
    }
    versions: dict[str, str | None] = {}
    for name, form in forms_.items():
        if form.is_bound:
            versions[f"{name}_version"] = None
        elif isinstance(form, SupplementForm):  # the answers of the petition's type; the date
            answers = form.fields["field_keys"]
            choices = answers.choices if isinstance(answers, forms.ChoiceField) else None
            versions[f"{name}_version"] = _form_version(form, choices, form.initial)
        else:
            versions[f"{name}_version"] = _form_version(form)
    return {**forms_, **versions}


def _review(request, petition: Petition, *, status: int = 200, **kwargs):
    kwargs = _with_supplement_prefill(request, petition, kwargs)
    context = _review_context(request, petition, **kwargs)
    supplement_form = context["supplement_form"]
    # Shown to decide, or when asking for an item's document (the petition may still be collecting).
    context["show_supplement"] = context["decidable"] or bool(
        supplement_form.is_bound or supplement_form.initial.get("item")
    )
    response = render(request, "officer/review.html", context, status=status)
    response["Cache-Control"] = "private, no-store"
    return response


@official_required
@require_GET
@never_cache
def review(request, receipt_no):
    petition = selectors.petition_for_officer(user=request.user, receipt_no=receipt_no)
    return _review(request, petition)


@official_required
@require_POST
@never_cache
def reveal(request, receipt_no):
    petition = selectors.petition_for_officer(user=request.user, receipt_no=receipt_no)
    form = RevealForm(request.POST)
    if not form.is_valid():
        return _review(request, petition, status=400, reveal_form=form)
    item, key = form.cleaned_data["item"], form.cleaned_data["field"]
    fetch = next((f for f in selectors.review_fetches(petition) if f.item.code == item), None)
    if fetch is None or key not in fetch.unique_id_keys or fetch.state != fetch.State.FETCHED:
        form.add_error(None, _("This value cannot be revealed."))
        return _review(request, petition, status=400, reveal_form=form)
    return _review(request, petition, reveal={"item": item, "field": key, "reason": form.cleaned_data["reason"]})


@official_required
@require_POST
def letter_accept(request, receipt_no):
    """The official accepts the delegation letter: the principal's information is fetched now."""
    petition = selectors.petition_for_officer(user=request.user, receipt_no=receipt_no)
    try:
        delegation_services.letter_accept(petition=petition, actor=request.user)
    except PetitionError as exc:
        return _review(request, petition, status=400, refused=exc.message)
    messages.success(request, _("The delegation letter is accepted; the principal's information is being fetched."))
    return redirect("officer:review", receipt_no=receipt_no)


@official_required
@require_POST
def letter_refuse(request, receipt_no):
    petition = selectors.petition_for_officer(user=request.user, receipt_no=receipt_no)
    form = LetterRefuseForm(request.POST)
    if not form.is_valid():
        return _review(request, petition, status=400, letter_refuse_form=form)
    try:
        delegation_services.letter_refuse(petition=petition, actor=request.user, reason=form.cleaned_data["reason"])
    except PetitionError as exc:
        return _review(request, petition, status=400, refused=exc.message)
    messages.success(request, _("The delegation letter is refused; nothing was fetched."))
    return redirect("officer:review", receipt_no=receipt_no)


@official_required
@require_POST
def claim(request, receipt_no):
    petition = selectors.petition_for_officer(user=request.user, receipt_no=receipt_no)
    try:
        services.petition_claim(petition=petition, actor=request.user)
    except PetitionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Petition %(receipt_no)s is yours now.") % {"receipt_no": receipt_no})
    if request.POST.get("next") == "queue":
        return redirect("officer:workspace")
    return redirect("officer:review", receipt_no=receipt_no)


@official_required
@require_POST
def note(request, receipt_no):
    petition = selectors.petition_for_officer(user=request.user, receipt_no=receipt_no)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _review(request, petition, status=400, note_form=form)
    services.internal_note_add(petition=petition, author=request.user, text=form.cleaned_data["text"])
    messages.success(request, _("The note has been added."))
    return redirect(reverse("officer:review", args=[receipt_no]) + "#notes")


@official_required
@require_POST
def refetch(request, receipt_no, item_code):
    from sharing.errors import SharingError

    petition = selectors.petition_for_officer(user=request.user, receipt_no=receipt_no)
    try:
        fetch = services.petition_refetch(petition=petition, item_code=item_code, actor=request.user)
    except (PetitionError, SharingError) as exc:
        messages.error(request, exc.message)
    else:
        if fetch is None:
            raise Http404
        messages.success(request, _("“%(item)s” is being fetched again.") % {"item": fetch.item.name})
    return redirect(reverse("officer:review", args=[receipt_no]) + "#information")


@official_required
@require_POST
def verified_otherwise(request, receipt_no, item_code):
    """Marks an item verified by other means (its agency down, say), with the reason."""
    petition = selectors.petition_for_officer(user=request.user, receipt_no=receipt_no)
    form = VerifiedOtherwiseForm(request.POST)
    if not form.is_valid():
        return _review(request, petition, status=400, verify_form=form, verify_item=item_code)
    try:
        fetch = services.petition_item_verified_otherwise(
            petition=petition, item_code=item_code, actor=request.user, reason=form.cleaned_data["reason"]
        )
    except services.DecisionNotAllowed as exc:
        return _review(request, petition, status=403, refused=exc.message)
    except PetitionError as exc:
        form.add_error(None, exc.message)
        return _review(request, petition, status=400, verify_form=form, verify_item=item_code)
    if fetch is None:
        raise Http404
    messages.success(request, _("“%(item)s” is marked as verified by other means.") % {"item": fetch.item.name})
    return redirect(reverse("officer:review", args=[receipt_no]) + "#information")


def _decide(request, receipt_no, form_class, form_key, action):
    petition = selectors.petition_for_officer(user=request.user, receipt_no=receipt_no)
    kwargs = {"petition": petition} if form_class is SupplementForm else {}
    form = form_class(request.POST, **kwargs)
    if not form.is_valid():
        return _review(request, petition, status=400, **{form_key: form})
    try:
        action(petition, form.cleaned_data)
    except services.DecisionNotAllowed as exc:
        return _review(request, petition, status=403, refused=exc.message, **{form_key: form})
    except PetitionError as exc:
        form.add_error(None, exc.message)
        return _review(request, petition, status=400, **{form_key: form})
    return None


@official_required
@require_POST
def approve(request, receipt_no):
    response = _decide(
        request,
        receipt_no,
        ApproveForm,
        "approve_form",
        lambda petition, data: services.petition_approve(
            petition=petition, actor=request.user, decision=data["decision"]
        ),
    )
    if response is not None:
        return response
    messages.success(request, _("The petition is approved; the result notice is being issued."))
    return redirect("officer:review", receipt_no=receipt_no)


@official_required
@require_POST
def reject(request, receipt_no):
    response = _decide(
        request,
        receipt_no,
        RejectForm,
        "reject_form",
        lambda petition, data: services.petition_reject(petition=petition, actor=request.user, reason=data["reason"]),
    )
    if response is not None:
        return response
    messages.success(request, _("The petition is rejected; the rejection notice is being issued."))
    return redirect("officer:review", receipt_no=receipt_no)


@official_required
@require_POST
def supplement(request, receipt_no):
    response = _decide(
        request,
        receipt_no,
        SupplementForm,
        "supplement_form",
        lambda petition, data: services.petition_supplement_request(
            petition=petition,
            actor=request.user,
            message=data["message"],
            field_keys=data["field_keys"],
            documents_requested=data["documents_requested"],
            due_date=data["due_date"],
            item_code=data.get("item") or "",
        ),
    )
    if response is not None:
        return response
    messages.success(request, _("The supplement request has been sent; the processing clock is stopped."))
    return redirect("officer:review", receipt_no=receipt_no)


@official_required
@require_GET
@never_cache
def attachment(request, receipt_no, public_id):
    """An attachment of the petition: images (re-encoded on upload) shown inline, PDFs and the
    rest downloaded, never opened in the portal's origin; logged as a download."""
    from sharing.documents.models import EDocument
    from sharing.documents.responses import document_file_response
    from sharing.documents.services import document_open

    petition = selectors.petition_for_officer(user=request.user, receipt_no=receipt_no)
    document = (
        EDocument.objects.filter(public_id=public_id, case_ref=petition.receipt_no, kind=EDocument.Kind.ATTACHMENT)
        .select_related("issuing_office")
        .first()
    )
    if document is None:
        raise Http404
    handle = document_open(document=document, actor=request.user, ip_address=get_client_ip_address(request))
    return document_file_response(document, handle, inline_images=True)


# --- The supervisor view --------------------------------------------------------------------


@official_required
@require_GET
def overview(request):
    memberships = selectors.memberships_for(user=request.user)
    supervised = [m.office for m in memberships if m.role == m.Role.SUPERVISOR]
    if not supervised:
        raise Http404
    return render(
        request,
        "officer/overview.html",
        {
            "offices": [selectors.supervisor_overview(office=office) for office in supervised],
        },
    )
