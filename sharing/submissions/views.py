"""Pages of submissions to third parties.

Citizens (``/my/documents/…``, ``/my/submissions/…``): a document's page, the two-step submit
form, their submissions and withdrawing one. Recipient staff (``/inbox/…``, behind the second
factor): the inbox, opening a submission (logged) and downloading its signed PDF (logged).
Anything of someone else's, or an unknown id, is a 404.
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from axes.helpers import get_client_ip_address
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.roles import citizen_required
from sharing.documents.responses import document_file_response

from . import selectors, services
from .errors import SubmissionError
from .forms import SubmitForm


def _private(response):
    response["Cache-Control"] = "private, no-store"
    return response


def recipient_staff_required(view):
    """Staff of an active recipient who passed the second factor in this session."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not (user.is_official or user.is_recipient_staff):
            raise Http404
        if not user.is_verified():
            return redirect(f"{reverse('two_factor_verify')}?{urlencode({'next': request.get_full_path()})}")
        if not selectors.is_recipient_staff(user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


# --- Citizens -------------------------------------------------------------------------------


@citizen_required
@require_GET
@never_cache
def document_detail(request, document_id):
    document = selectors.document_for_owner(user=request.user, public_id=document_id)
    return _private(
        render(
            request,
            "submissions/document.html",
            {
                "document": document,
                "newest": selectors.newest_version(document),
                "refusal": selectors.submittable_refusal(document=document, user=request.user),
                "submissions": selectors.submissions_of_document(document),
            },
        )
    )


@citizen_required
@require_http_methods(["GET", "POST"])
@never_cache
def submit(request, document_id):
    document = selectors.document_for_owner(user=request.user, public_id=document_id)
    refusal = selectors.submittable_refusal(document=document, user=request.user)
    context = {"document": document, "refusal": refusal, "newest": selectors.newest_version(document)}
    if refusal:
        return _private(render(request, "submissions/submit.html", context, status=400))
    form = SubmitForm(request.POST or None, recipients=selectors.recipients_for_choice())
    context["form"] = form
    if request.method == "GET":
        return _private(render(request, "submissions/submit.html", context))
    if not form.is_valid():
        return _private(render(request, "submissions/submit.html", context, status=400))
    data = form.cleaned_data
    if "edit" in request.POST:
        return _private(render(request, "submissions/submit.html", context))
    if "confirm" not in request.POST:
        # The first step: what will be sent, to whom, until when; nothing is written yet.
        return _private(render(request, "submissions/submit_confirm.html", context))
    try:
        submission = services.submission_create(
            owner=request.user,
            document=document,
            recipient=data["recipient"],
            purpose=data["purpose"],
            message=data["message"],
            expires_in_days=data["expires_in_days"],
            idempotency_key=data["token"],
        )
    except SubmissionError as exc:
        form.add_error(None, str(exc.message))
        return _private(render(request, "submissions/submit.html", context, status=400))
    messages.success(
        request,
        _("Sent to %(recipient)s. It can retrieve the document until the date shown below.")
        % {"recipient": submission.recipient.name},
    )
    return redirect("submissions:my_submission", submission_id=submission.public_id)


@citizen_required
@require_GET
@never_cache
def my_submissions(request):
    paginator = Paginator(selectors.submissions_of_citizen(request.user), selectors.INBOX_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return _private(render(request, "submissions/my_list.html", {"page": page, "submissions": page.object_list}))


@citizen_required
@require_GET
@never_cache
def my_submission(request, submission_id):
    submission = selectors.submission_for_owner(user=request.user, public_id=submission_id)
    return _private(render(request, "submissions/my_detail.html", {"submission": submission}))


@citizen_required
@require_POST
@never_cache
def withdraw(request, submission_id):
    submission = selectors.submission_for_owner(user=request.user, public_id=submission_id)
    try:
        services.submission_withdraw(submission=submission, actor=request.user)
    except SubmissionError as exc:
        submission.refresh_from_db()
        return _private(
            render(request, "submissions/my_detail.html", {"submission": submission, "error": exc.message}, status=409)
        )
    messages.success(request, _("Withdrawn: the recipient can no longer retrieve the document."))
    return redirect("submissions:my_submission", submission_id=submission.public_id)


# --- Recipient staff ------------------------------------------------------------------------


@recipient_staff_required
@require_GET
@never_cache
def inbox(request):
    paginator = Paginator(selectors.inbox_for_staff(request.user), selectors.INBOX_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return _private(
        render(
            request,
            "submissions/inbox.html",
            {
                "page": page,
                "submissions": page.object_list,
                "recipients": selectors.recipients_of_staff(request.user),
            },
        )
    )


def _gone(request, submission, message):
    return _private(
        render(request, "submissions/inbox_gone.html", {"submission": submission, "message": message}, status=410)
    )


@recipient_staff_required
@require_GET
@never_cache
def inbox_submission(request, submission_id):
    submission = selectors.submission_for_staff(user=request.user, public_id=submission_id)
    try:
        submission = services.submission_retrieve(
            submission=submission, actor=request.user, ip_address=get_client_ip_address(request)
        )
    except SubmissionError as exc:
        return _gone(request, submission, exc.message)
    document = submission.document
    return _private(
        render(
            request,
            "submissions/inbox_detail.html",
            {
                "submission": submission,
                "document": document,
                "newest": selectors.newest_version(document),
                "check": selectors.verification(document),
            },
        )
    )


@recipient_staff_required
@require_GET
@never_cache
def inbox_download(request, submission_id):
    submission = selectors.submission_for_staff(user=request.user, public_id=submission_id)
    try:
        document, handle = services.submission_open_file(
            submission=submission, actor=request.user, ip_address=get_client_ip_address(request)
        )
    except SubmissionError as exc:
        return _gone(request, submission, exc.message)
    return document_file_response(document, handle)
