"""The citizen's pages: catalogue, filing wizard, tracking, supplements, withdrawal, identity.

Views are thin: check who asks, bind a form, call one service, redirect or render.
Another citizen's petition or draft is a 404, whatever the URL.
"""

from __future__ import annotations

import json

from axes.helpers import get_client_ip_address
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.conditional import fragment_etag, polled_fragment, render_fragment
from portal.notifications.selectors import notifications_for_case
from portal.roles import citizen_required
from portal.roles import english_active as _english

from . import catalogue_cache, delegation_selectors, delegation_services, identity, selectors, services
from .errors import IdentityAttemptsExceeded, IdentityError, PetitionError
from .forms import (
    AnswersForm,
    ApplicantForm,
    ConsentForm,
    DelegationLetterForm,
    FetchUploadForm,
    FileForForm,
    IdentityCodeForm,
    IdentityStartForm,
    SubmitForm,
    SupplementResponseForm,
    WithdrawForm,
    display_value,
    spec_label,
)
from .models import Petition, PetitionCategory, PetitionUpload, RequiredInformation
from .notifications import petition_case_refs
from .payments.selectors import petition_fee
from .services import UPLOAD_INSTEAD_STATES, WIZARD_STEPS, petition_type_snapshot

S = Petition.Status


# --- Catalogue ----------------------------------------------------------------------------


@require_GET
def catalogue(request):
    category = request.GET.get("category", "")
    if category not in PetitionCategory.values:
        category = ""
    query = request.GET.get("q", "").strip()[:100]

    def build() -> str:
        return render_to_string(
            "petitions/includes/catalogue_body.html",
            {
                "categories": selectors.catalogue_categories(),
                "petition_types": selectors.petition_types_for_catalogue(category=category, query=query),
                "category": category,
                "query": query,
            },
        )

    body = catalogue_cache.cached("list", [get_language(), category, query], build)
    return render(
        request,
        "petitions/catalogue.html",
        {
            "catalogue_body": catalogue_cache.safe(body),
            "category": category,
            "query": query,
        },
    )


@require_GET
def petition_type_detail(request, slug):
    def build() -> dict:
        petition_type = selectors.petition_type_for_page(slug=slug)
        return {
            "title": str(petition_type.name),
            "body": render_to_string(
                "petitions/includes/type_detail_body.html",
                {
                    "petition_type": petition_type,
                    "form_fields": list(petition_type.form_fields.all()),
                    "required_rows": selectors.required_information_rows(petition_type),
                },
            ),
        }

    page = catalogue_cache.cached("type", [get_language(), slug], build)
    return render(
        request,
        "petitions/type_detail.html",
        {
            "page_title": page["title"],
            "type_body": catalogue_cache.safe(page["body"]),
        },
    )


# --- Wizard -------------------------------------------------------------------------------


def _type_snapshot(petition_type) -> dict:
    """``services.petition_type_snapshot`` of the type, kept with the catalogue's cached content
    (every change of a type, its fields or the information it needs starts a new version). A new
    copy for each call (parsed from its JSON): callers may change it."""
    text = catalogue_cache.cached(
        "snapshot", [petition_type.pk, petition_type.version], lambda: json.dumps(petition_type_snapshot(petition_type))
    )
    return json.loads(text)


def _step_url(petition: Petition, step: str) -> str:
    return reverse("petitions:wizard_step", args=[petition.petition_type.slug, petition.public_id, step])


def _wizard_titles() -> dict:
    return {
        "notes": _("Before you start"),
        "applicant": _("Applicant"),
        "form": _("Details"),
        "consent": _("Consent"),
        "review": _("Review and submit"),
    }


def _wizard_keys(petition_type) -> list[str]:
    """The steps this type goes through: no consent step when nothing it fetches needs consent."""
    has_consent = bool(_consent_items(_type_snapshot(petition_type)))
    return [key for key in WIZARD_STEPS if key != "consent" or has_consent]


def _wizard_steps(petition_type, step: str, petition: Petition | None = None) -> dict:
    """The step indicator: the type's steps numbered without gaps, each reached step but the
    current one linked (a draft's steps only), and "Step n of m: title" for the page."""
    titles = _wizard_titles()
    keys = _wizard_keys(petition_type)
    reached = WIZARD_STEPS.index(petition.wizard_step) if petition and petition.wizard_step in WIZARD_STEPS else 0
    current = WIZARD_STEPS.index(step)
    steps = []
    for number, key in enumerate(keys, start=1):
        index = WIZARD_STEPS.index(key)
        steps.append(
            {
                "key": key,
                "title": titles[key],
                "number": number,
                "state": "active" if index == current else ("done" if index < current or index <= reached else ""),
                "url": _step_url(petition, key) if petition and index <= reached and index != current else "",
            }
        )
    return {
        "steps": steps,
        "step": step,
        "step_title": titles[step],
        "step_number": keys.index(step) + 1,
        "step_count": len(keys),
    }


def _wizard_context(petition: Petition, step: str, **extra) -> dict:
    return {
        "petition": petition,
        "petition_type": petition.petition_type,
        **_wizard_steps(petition.petition_type, step, petition),
        **extra,
    }


def _consent_items(snapshot: dict) -> list[dict]:
    english = _english()
    items = []
    for mapping in snapshot["required_information"]:
        if not mapping["consent_required"]:
            continue
        pick = lambda ko, en: en if english and en else ko  # noqa: E731
        items.append(
            {
                **mapping,
                "name": pick(mapping["item_name_ko"], mapping["item_name_en"]),
                "replaces": pick(mapping["replaces_ko"], mapping["replaces_en"])
                or pick(mapping["item_name_ko"], mapping["item_name_en"]),
                "agency": pick(mapping["agency_name_ko"], mapping["agency_name_en"]),
                "purpose": pick(mapping["purpose_ko"], mapping["purpose_en"]),
                "legal_basis": pick(mapping["legal_basis"], mapping.get("legal_basis_en", "")),
                "field_names": [pick(*mapping["field_labels"][key]) for key in mapping["fields"]],
            }
        )
    return items


@citizen_required
@require_http_methods(["GET", "POST"])
def wizard_start(request, slug):
    petition_type = selectors.petition_type_for_page(slug=slug)
    if not hasattr(request.user, "resident_link"):
        messages.info(request, _("Confirm your identity once before you file a petition."))
        return redirect(f"{reverse('petitions:identity')}?next={request.path}")
    file_for = FileForForm(
        request.POST if request.method == "POST" else None,
        delegations=delegation_selectors.delegations_usable_for(user=request.user, petition_type=petition_type),
    )
    if request.method == "POST":
        if not file_for.is_valid():
            messages.error(request, _("Choose who you are filing for."))
            return redirect("petitions:wizard_start", slug=slug)
        try:
            petition = services.petition_draft_start(
                petition_type=petition_type,
                applicant=request.user,
                delegation=file_for.delegation(),
                letter=file_for.is_letter(),
            )
            petition = services.petition_draft_update_step(petition=petition, next_step="applicant")
        except PetitionError as exc:
            messages.error(request, exc.message)
            return redirect("petitions:type_detail", slug=slug)
        return redirect(_step_url(petition, "applicant"))
    drafts = [d for d in selectors.drafts_for_applicant(user=request.user) if d.petition_type_id == petition_type.pk]
    return render(
        request,
        "petitions/wizard/start.html",
        {
            "petition_type": petition_type,
            "drafts": drafts,
            "file_for": file_for,
            "required_rows": selectors.required_information_rows(petition_type),
            **_wizard_steps(petition_type, "notes"),
        },
    )


def _notes_step(request, petition):
    """The first step of a draft, reached from its step indicator: the same notes as the start
    page, and on to the applicant step (a new draft is started from the start page only)."""
    if request.method == "POST":
        return redirect(_step_url(petition, "applicant"))
    return render(
        request,
        "petitions/wizard/start.html",
        _wizard_context(
            petition,
            "notes",
            drafts=[],
            required_rows=selectors.required_information_rows(petition.petition_type),
            next_url=_step_url(petition, "applicant"),
        ),
    )


@citizen_required
@require_http_methods(["GET", "POST"])
def wizard_step(request, slug, public_id, step):
    if step not in WIZARD_STEPS:
        raise Http404
    petition = selectors.own_petition_by_public_id(user=request.user, public_id=public_id)
    if petition.petition_type.slug != slug:
        raise Http404
    if not petition.is_draft:
        # A double click, a replayed submit or an old bookmark: the petition is filed already.
        return redirect("petitions:my_detail", receipt_no=petition.receipt_no)
    reached = WIZARD_STEPS.index(petition.wizard_step) if petition.wizard_step in WIZARD_STEPS else 0
    if WIZARD_STEPS.index(step) > max(reached, 1):
        return redirect(_step_url(petition, WIZARD_STEPS[max(reached, 1)]))
    handler = {
        "notes": _notes_step,
        "applicant": _applicant_step,
        "form": _form_step,
        "consent": _consent_step,
        "review": _review_step,
    }[step]
    try:
        return handler(request, petition)
    except PetitionError as exc:
        messages.error(request, exc.message)
        return redirect(request.path)


def _applicant_step(request, petition):
    details = petition.applicant_details
    representation = delegation_selectors.representation_of(petition)
    form = ApplicantForm(request.POST or None, initial=details)
    letter_form = None
    if representation is not None and representation.is_letter:
        letter_form = DelegationLetterForm(
            request.POST or None,
            request.FILES or None,
            initial={"principal_name": representation.principal_name},
            letter_uploaded=petition.uploads.filter(purpose=PetitionUpload.Purpose.DELEGATION_LETTER).exists(),
        )
    if request.method == "POST" and form.is_valid() and (letter_form is None or letter_form.is_valid()):
        if letter_form is not None:
            delegation_services.letter_principal_set(
                petition=petition,
                name=letter_form.cleaned_data["principal_name"],
                rrn=letter_form.cleaned_data["principal_rrn"],
                letter=letter_form.cleaned_data.get("letter"),
            )
        services.petition_draft_update_applicant(petition=petition, next_step="form", **form.cleaned_data)
        return redirect(_step_url(petition, "form"))
    link = request.user.resident_link
    return render(
        request,
        "petitions/wizard/applicant.html",
        _wizard_context(
            petition,
            "applicant",
            form=form,
            link=link,
            representation=representation,
            letter_form=letter_form,
        ),
    )


def _declaration_items(snapshot: dict) -> list[dict]:
    """The items whose record may be someone else's if the applicant declares their relationship."""
    english = _english()
    labels = {spec["key"]: spec for spec in snapshot["fields"]}
    items = []
    for mapping in snapshot["required_information"]:
        if mapping.get("others_policy") != RequiredInformation.OthersPolicy.DECLARATION:
            continue
        spec = labels.get(mapping["subject_field_key"])
        items.append(
            {
                "item_code": mapping["item_code"],
                "subject_field_key": mapping["subject_field_key"],
                "subject_label": (spec_label(spec) if spec else mapping["subject_field_key"]),
                "declaration": (mapping.get("declaration_en") if english else "") or mapping.get("declaration_ko", ""),
            }
        )
    return items


def _form_step(request, petition):
    snapshot = _type_snapshot(petition.petition_type)
    form = AnswersForm(
        request.POST or None,
        request.FILES or None,
        specs=snapshot["fields"],
        existing=petition.data,
        declarations=_declaration_items(snapshot),
        declared=petition.declarations,
    )
    if request.method == "POST" and form.is_valid():
        services.petition_draft_update_answers(
            petition=petition,
            answers=form.answers(),
            files=form.files_by_key(),
            next_step="consent",
            declarations=form.declarations(),
        )
        next_step = "consent" if _consent_items(snapshot) else "review"
        if next_step == "review":
            services.petition_draft_update_step(petition=petition, next_step="review")
        return redirect(_step_url(petition, next_step))
    return render(request, "petitions/wizard/form.html", _wizard_context(petition, "form", form=form))


def _consent_step(request, petition):
    snapshot = _type_snapshot(petition.petition_type)
    items = _consent_items(snapshot)
    if not items:
        services.petition_draft_update_step(petition=petition, next_step="review")
        return redirect(_step_url(petition, "review"))
    uploaded = set(
        petition.uploads.filter(purpose=PetitionUpload.Purpose.DECLINED_ITEM).values_list("reference", flat=True)
    )
    form = ConsentForm(
        request.POST or None, request.FILES or None, items=items, existing=petition.consents, uploaded=uploaded
    )
    if request.method == "POST" and form.is_valid():
        consents = {
            item["item_code"]: form.cleaned_data[f"consent_{item['item_code']}"] == ConsentForm.AGREE for item in items
        }
        files = {
            item["item_code"]: form.cleaned_data[f"upload_{item['item_code']}"]
            for item in items
            if form.cleaned_data.get(f"upload_{item['item_code']}")
        }
        services.petition_draft_update_consents(petition=petition, consents=consents, files=files, next_step="review")
        return redirect(_step_url(petition, "review"))
    return render(request, "petitions/wizard/consent.html", _wizard_context(petition, "consent", form=form))


def _review_rows(specs: list[dict], data: dict) -> list[tuple[str, str]]:
    from .forms import spec_label

    return [(spec_label(spec), display_value(spec, data.get(spec["key"]))) for spec in specs]


def _fee_context(request, petition: Petition) -> dict:
    """The fee of the review step: what is due, the exemptions the type offers and the claim."""
    from .models import FeeExemptionClaim
    from .payments import exemptions
    from .payments.services import fee_due

    petition_type = petition.petition_type
    if not petition_type.fee or not petition_type.fee_at_filing:
        return {"fee_due": 0}
    claim = FeeExemptionClaim.objects.select_related("exemption").filter(petition=petition).first()
    if claim is not None and claim.state == FeeExemptionClaim.State.CHECKING:
        claim = exemptions.fee_exemption_check(
            claim=claim, actor=request.user, ip_address=get_client_ip_address(request)
        )
    return {
        "fee_due": fee_due(petition),
        "fee_claim": claim,
        "fee_exemptions": list(petition_type.fee_exemptions.select_related("item__agency")),
    }


def _pay_and_submit(request, petition: Petition, submit_token) -> HttpResponse:
    """A draft with a fee goes to the provider's payment window; it is submitted once paid."""
    from .payments.services import payment_start

    _payment, redirect_url = payment_start(
        petition=petition,
        actor=request.user,
        submit_token=submit_token,
        success_url=lambda order_id: request.build_absolute_uri(reverse("petitions:payment_return", args=[order_id])),
        fail_url=lambda order_id: request.build_absolute_uri(reverse("petitions:payment_fail", args=[order_id])),
        webhook_url=lambda provider: request.build_absolute_uri(reverse("petitions:payment_webhook", args=[provider])),
    )
    return redirect(redirect_url)


def _review_step(request, petition):
    snapshot = _type_snapshot(petition.petition_type)
    form = SubmitForm(request.POST or None, initial={"submit_token": petition.submit_token})
    fee = _fee_context(request, petition)
    if request.method == "POST" and form.is_valid():
        if fee["fee_due"]:
            return _pay_and_submit(request, petition, form.cleaned_data["submit_token"])
        filed = services.petition_submit(
            petition=petition,
            actor=request.user,
            submit_token=form.cleaned_data["submit_token"],
        )
        messages.success(
            request,
            _("Your petition has been filed. Receipt number %(receipt_no)s.") % {"receipt_no": filed.receipt_no},
        )
        return redirect("petitions:my_detail", receipt_no=filed.receipt_no)
    items = []
    for mapping in snapshot["required_information"]:
        consented = not mapping["consent_required"] or petition.consents.get(mapping["item_code"])
        items.append(
            {
                "name": mapping["item_name_en"] if _english() else mapping["item_name_ko"],
                "agency": mapping["agency_name_en"] if _english() else mapping["agency_name_ko"],
                "fetched": bool(consented),
            }
        )
    return render(
        request,
        "petitions/wizard/review.html",
        _wizard_context(
            petition,
            "review",
            representation=delegation_selectors.representation_of(petition),
            form=form,
            rows=_review_rows(snapshot["fields"], petition.data),
            items=items,
            snapshot=snapshot,
            uploads=list(petition.uploads.all()),
            **fee,
        ),
    )


@citizen_required
@require_POST
def wizard_consent_request(request, slug, public_id):
    """The delegate asks the principal to consent to the fetching of their information."""
    petition = selectors.draft_for_applicant(user=request.user, public_id=public_id)
    try:
        delegation_services.principal_consent_request(petition=petition, actor=request.user)
    except PetitionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("Your request has been sent. Submit the petition once they have consented on their account.")
        )
    return redirect(_step_url(petition, "review"))


@citizen_required
@require_POST
def wizard_discard(request, slug, public_id):
    petition = selectors.draft_for_applicant(user=request.user, public_id=public_id)
    services.petition_draft_discard(petition=petition)
    messages.success(request, _("The draft has been deleted."))
    return redirect("petitions:my_list")


# --- Tracking -----------------------------------------------------------------------------


@citizen_required
@require_GET
def my_petitions(request):
    page = selectors.petitions_page_for_applicant(user=request.user, page_number=request.GET.get("page"))
    _mark_parties(request.user, page.object_list)
    return render(
        request,
        "my/petition_list.html",
        {
            "page": page,
            "petitions": page.object_list,
            "petition_rows": [(petition, _petition_row_version(petition)) for petition in page.object_list],
            "drafts": selectors.drafts_for_applicant(user=request.user) if page.number == 1 else [],
        },
    )


def _mark_parties(user, petitions) -> None:
    """Says on each petition filed for someone else who it is for, or who filed it for the
    user (``party_note``), from the rows the page read."""
    for petition in petitions:
        representation = delegation_selectors.representation_of(petition)
        if representation is None:
            petition.party_note = ""
        elif petition.applicant_id == user.pk:
            petition.party_note = _("Filed for %(name)s") % {"name": representation.principal_name}
        else:
            petition.party_note = _("Filed for you by %(name)s") % {"name": petition.applicant.display_name}


def _petition_row_version(petition: Petition) -> str:
    """Everything a row of the citizen's filed petitions is rendered from (besides the language):
    the key of the row's ``{% cache %}`` fragment in my/includes/petition_table.html, so a row
    is never served stale. The template loop costs about 0.9 ms of CPU per page of 20 rows more
    than the rows built as strings did (5.3 against 4.4 ms, tests/bench/test_page_render_bench.py);
    from the cache, about the same as they did."""
    supplements = getattr(petition, "open_supplements", None) or []
    return repr(
        (
            petition.pk,
            petition.receipt_no,
            petition.type_name,
            petition.status,
            petition.due_date,
            supplements[0].due_date if supplements else None,
            getattr(petition, "party_note", ""),
        )
    )


def _detail_context(request, petition: Petition) -> dict:
    snapshot = petition.type_snapshot or {}
    supplement = petition.open_supplements[0] if petition.open_supplements else None
    progress = selectors.petition_fetches(petition)
    # The uploads matter beside a fetch that ended without data only: no query when there is none.
    uploaded = (
        selectors.items_uploaded_instead(petition)
        if any(fetch.state in UPLOAD_INSTEAD_STATES for fetch in progress["fetches"])
        else set()
    )
    # The items the citizen may upload now: ended without data, or their agency is down.
    uploadable = {
        fetch.pk
        for fetch in progress["fetches"]
        if fetch.item.code not in uploaded and selectors.may_upload_instead(petition=petition, fetch_request=fetch)
    }
    return (
        {
            "petition": petition,
            "uploaded_items": uploaded,
            "uploadable": uploadable,
            "progress": progress,
            # Polled while information is still being collected; then nothing more changes by itself.
            "live": progress["pending"] or petition.status in {S.SUBMITTED, S.COLLECTING},
            "steps": selectors.progress_steps(petition),
            "timeline": selectors.petition_timeline(petition),
        }
        | ({"supplement": supplement} if supplement else {})
        | {"snapshot": snapshot}
    )


def _supplement_history(petition: Petition) -> list[dict]:
    """Each supplement with the corrected answers as people read them, before and after."""
    from .forms import answer_changes

    specs = petition.type_snapshot.get("fields", [])
    history = []
    supplements = getattr(petition, "all_supplements", None)
    for supplement in selectors.petition_supplements(petition) if supplements is None else supplements:
        changes = answer_changes(specs, supplement.previous_values, supplement.new_values)
        history.append({"supplement": supplement, "changes": changes, "uploads": list(supplement.uploads.all())})
    return history


@citizen_required
@require_GET
def my_petition_detail(request, receipt_no):
    petition = selectors.petition_for_applicant(user=request.user, receipt_no=receipt_no, all_supplements=True)
    representation = delegation_selectors.representation_of(petition)
    if representation is not None:
        # The filer sees the principal's details: a view of their information, in their log.
        delegation_services.representation_view_log(
            representation=representation, viewer=request.user, ip_address=get_client_ip_address(request)
        )
    context = _detail_context(request, petition)
    context.update(
        {
            "representation": representation,
            "documents": selectors.petition_documents(petition),
            "supplements": _supplement_history(petition),
            "rows": _review_rows(petition.type_snapshot.get("fields", []), petition.data),
            "can_withdraw": petition.status not in {S.APPROVED, S.REJECTED, S.WITHDRAWN},
            "fee": petition_fee(petition),
            "notifications": notifications_for_case(case_refs=petition_case_refs(petition), recipient=request.user),
        }
    )
    return render(request, "my/petition_detail.html", context)


def _progress_etag(request, receipt_no):
    version = selectors.petition_progress_version(user=request.user, receipt_no=receipt_no)
    return fragment_etag(request, "progress", version) if version else None


@citizen_required
@require_GET
@polled_fragment(_progress_etag)
def my_petition_progress(request, receipt_no):
    """The live part of the detail page, polled with htmx while work is in progress."""
    petition = selectors.petition_for_applicant(user=request.user, receipt_no=receipt_no)
    context = _detail_context(request, petition)
    return render_fragment(request, "my/includes/progress.html", context, live=context["live"])


@citizen_required
@require_POST
def my_petition_fetch_upload(request, receipt_no, fetch_id):
    """Upload the document when an item could not be fetched."""
    petition = selectors.petition_for_applicant(user=request.user, receipt_no=receipt_no)
    fetch_request = selectors.fetch_request_of_petition(petition=petition, fetch_id=fetch_id)
    form = FetchUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.petition_upload_instead_of_fetch(
                petition=petition,
                fetch_request=fetch_request,
                actor=request.user,
                uploaded_file=form.cleaned_data["document"],
            )
        except PetitionError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Your document has been added to the petition."))
    else:
        messages.error(request, " ".join(map(str, form.errors["document"])))
    return redirect("petitions:my_detail", receipt_no=receipt_no)


@citizen_required
@require_http_methods(["GET", "POST"])
def my_petition_withdraw(request, receipt_no):
    petition = selectors.petition_for_applicant(user=request.user, receipt_no=receipt_no)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.petition_withdraw(petition=petition, actor=request.user, reason=form.cleaned_data["reason"])
        except PetitionError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Your petition has been withdrawn."))
        return redirect("petitions:my_detail", receipt_no=receipt_no)
    return render(request, "my/petition_withdraw.html", {"petition": petition, "form": form})


@citizen_required
@require_http_methods(["GET", "POST"])
def my_petition_supplement(request, receipt_no):
    petition = selectors.petition_for_applicant(user=request.user, receipt_no=receipt_no)
    supplement = petition.open_supplements[0] if petition.open_supplements else None
    if supplement is None or petition.status != S.SUPPLEMENT_REQUESTED:
        messages.info(request, _("No supplement is requested for this petition."))
        return redirect("petitions:my_detail", receipt_no=receipt_no)
    specs = [spec for spec in petition.type_snapshot.get("fields", []) if spec["key"] in supplement.field_keys]
    form = SupplementResponseForm(
        request.POST or None,
        request.FILES or None,
        specs=specs,
        existing=petition.data,
        documents_requested=supplement.documents_requested,
    )
    if request.method == "POST" and form.is_valid():
        documents = [form.cleaned_data["documents"]] if form.cleaned_data.get("documents") else []
        try:
            services.supplement_respond(
                supplement=supplement,
                actor=request.user,
                answers=form.answers(),
                files=form.files_by_key(),
                documents=documents,
                note=form.cleaned_data["note"],
            )
        except PetitionError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Your supplement has been sent to the official."))
            return redirect("petitions:my_detail", receipt_no=receipt_no)
    return render(
        request,
        "my/petition_supplement.html",
        {
            "petition": petition,
            "supplement": supplement,
            "form": form,
        },
    )


# --- Identity -----------------------------------------------------------------------------


def _safe_next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("petitions:my_list")


@citizen_required
@require_http_methods(["GET", "POST"])
def identity_start(request):
    """Name and RRN in, the code page out: the same answer whether or not they match."""
    link = getattr(request.user, "resident_link", None)
    form = IdentityStartForm(request.POST or None, initial={"name": request.user.full_name})
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            identity.identity_verification_start(
                user=request.user,
                name=form.cleaned_data["name"],
                rrn=form.cleaned_data["rrn"],
                ip_address=get_client_ip_address(request),
            )
        except IdentityError as exc:
            form.add_error(None, exc.message)
            status = 429 if isinstance(exc, IdentityAttemptsExceeded) else 200
        else:
            return redirect(f"{reverse('petitions:identity_code')}?next={_safe_next(request)}")
    return render(request, "my/identity.html", {"form": form, "link": link, "next": _safe_next(request)}, status=status)


@citizen_required
@require_http_methods(["GET", "POST"])
def identity_code(request):
    form = IdentityCodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            identity.identity_verification_confirm(
                user=request.user, code=form.cleaned_data["code"], ip_address=get_client_ip_address(request)
            )
        except IdentityError as exc:
            form.add_error("code", exc.message)
            status = 429 if isinstance(exc, IdentityAttemptsExceeded) else 200
        else:
            messages.success(request, _("Your identity is confirmed. The portal can now fetch your information."))
            return redirect(_safe_next(request))
    return render(request, "my/identity_code.html", {"form": form, "next": _safe_next(request)}, status=status)
