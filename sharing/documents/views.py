"""Downloads (owner and officials of the issuing office), the "preparing" fragment polled
by htmx, and the public verification page."""

from __future__ import annotations

from urllib.parse import urlencode

from asn1crypto.pem import armor as pem_armor
from axes.helpers import get_client_ip_address
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from portal.conditional import fragment_etag, polled_fragment, render_fragment
from sharing import timestamping

from . import pades, selectors, services, throttle
from .attachments import max_bytes
from .forms import VerifyCodeForm, VerifyFileForm
from .responses import document_file_response
from .seal import seal_header, seal_verify


def _second_factor_redirect(request):
    user = request.user
    if user.is_authenticated and user.requires_second_factor and not user.is_verified():
        return redirect(f"{reverse('two_factor_verify')}?{urlencode({'next': request.get_full_path()})}")
    return None


@require_GET
@never_cache
def download(request, public_id):
    if not request.user.is_authenticated:
        raise Http404
    if response := _second_factor_redirect(request):
        return response
    document = selectors.document_for_user(user=request.user, public_id=public_id)
    handle = services.document_open(document=document, actor=request.user, ip_address=get_client_ip_address(request))
    return document_file_response(document, handle)


@require_GET
def request_status(request, public_id):
    """The download fragment of a requested document: "preparing" (polling) or the link."""
    if not request.user.is_authenticated:
        raise Http404
    if response := _second_factor_redirect(request):
        return response
    return _request_status(request, public_id)


def _request_status_etag(request, public_id):
    version = selectors.document_request_version(user=request.user, public_id=public_id)
    return fragment_etag(request, "document-request", version) if version else None


@polled_fragment(_request_status_etag)
def _request_status(request, public_id):
    document_request = selectors.document_request_for_user(user=request.user, public_id=public_id)
    shown = document_request.document if document_request.is_issued else document_request
    live = not (document_request.is_issued or document_request.is_failed)
    return render_fragment(request, "documents/includes/document_link.html", {"document": shown}, live=live)


def _too_many(request, admission):
    response = render(
        request,
        "documents/verify.html",
        {
            "blocked": True,
            "retry_after": admission.retry_after,
            "slow_seconds": throttle.slow_seconds(),
            "window_minutes": throttle.window_minutes(),
            "code_form": VerifyCodeForm(),
        },
        status=429,
    )
    response["Retry-After"] = str(admission.retry_after)
    return response


@require_http_methods(["GET", "POST"])
@never_cache
def verify(request):
    """Anyone can check a document by its code, and compare a PDF they hold with it."""
    data = request.POST if request.method == "POST" else request.GET
    if "code" not in data:
        return render(request, "documents/verify.html", {"code_form": VerifyCodeForm()})
    code_form = VerifyCodeForm(data)
    if not code_form.is_valid():
        # Empty or not shaped like a code: no lookup, so no guess at a code and nothing counted.
        return render(request, "documents/verify.html", {"code_form": code_form}, status=400)
    admission = throttle.admit(get_client_ip_address(request))
    if not admission.allowed:
        return _too_many(request, admission)
    document = selectors.document_by_code(code_form.cleaned_data["code"])
    if document is None:
        return render(
            request,
            "documents/verify.html",
            {
                "code_form": code_form,
                "not_found": True,
                "slowed": admission.slowed,
                "slow_seconds": throttle.slow_seconds(),
            },
            status=404,
        )
    throttle.release(admission)
    context = {
        "code_form": VerifyCodeForm(initial={"code": document.display_code}),
        "document": document,
        "seal_kid": seal_header(document.seal).get("kid", ""),
        "stored_seal_valid": seal_verify(seal=document.seal, sha256=document.sha256).valid,
        "file_form": VerifyFileForm(initial={"code": document.display_code}),
        "verify_url": services.verify_url(document.verification_code),
    }
    status = 200
    if request.method == "POST":
        file_form = VerifyFileForm(request.POST, request.FILES)
        if file_form.is_valid():
            upload = file_form.cleaned_data["file"]
            if upload.size > max_bytes():
                file_form.add_error(
                    "file",
                    _("The file is larger than %(limit)s, so it cannot be an issued document.")
                    % {"limit": filesizeformat(max_bytes())},
                )
                status = 400
            else:
                context["comparison"] = selectors.file_comparison(document=document, content=upload.read())
        else:
            status = 400
        context["file_form"] = file_form
    return render(request, "documents/verify.html", context, status=status)


def _pem_response(certificates) -> HttpResponse:
    body = b"".join(pem_armor("CERTIFICATE", certificate.dump()) for certificate in certificates)
    response = HttpResponse(body, content_type="application/x-pem-file")
    response["Cache-Control"] = "public, max-age=3600"
    return response


@require_GET
def sealing_ca(request):
    """The roots the portal's document-sealing certificates chain to: what a verifier trusts."""
    return _pem_response(pades.trusted_roots())


@require_GET
def tsa_ca(request):
    """The certificates the time stamps in documents chain to."""
    return _pem_response(timestamping.trusted_certificates())
