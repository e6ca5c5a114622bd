import base64

from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from . import keys, ledger, selectors


@require_GET
@cache_control(public=True, max_age=300)
def jwks(request):
    """The portal's public keys, for agencies to verify requests and encrypt answers."""
    return JsonResponse(keys.public_jwks())


# --- The access log's checkpoints, for auditors and citizens to keep copies -----------------


def _checkpoint_json(checkpoint) -> dict:
    token = checkpoint.timestamp_token
    return {
        "tree_size": checkpoint.tree_size,
        "root_hash": checkpoint.root_hash,
        "last_entry_hash": checkpoint.last_entry_hash,
        "created_at": checkpoint.created_at.isoformat(),
        "digest": checkpoint.digest,
        "key_id": checkpoint.key_id,
        "signed": checkpoint.signed,
        "timestamp_token": base64.b64encode(bytes(token)).decode("ascii") if token is not None else None,
        "timestamped_at": checkpoint.timestamped_at.isoformat() if checkpoint.timestamped_at else None,
    }


@require_GET
@cache_control(public=True, max_age=300)
def access_log_key(request):
    """The keys that sign the access log's checkpoints (all of them: a rotated key stays)."""
    return JsonResponse(ledger.public_signing_jwks())


@require_GET
@cache_control(public=True, max_age=30)
def access_log_checkpoints_json(request):
    """Signed checkpoints as JSON: the newest by default; ``?after=N``: the next ones after N entries,
    oldest first, with the address of the page after."""
    after_text = request.GET.get("after")
    if after_text is None:
        checkpoints = list(selectors.access_log_checkpoints()[: selectors.CHECKPOINT_JSON_LIMIT])
    elif after_text.isdigit() and len(after_text) <= 18:
        checkpoints = selectors.access_log_checkpoints_after(int(after_text))
    else:
        return JsonResponse({"error": _("“after” must be a number of entries.")}, status=400)
    body = {
        "log": request.build_absolute_uri("/"),
        "keys": request.build_absolute_uri(reverse("sharing:access_log_key")),
        "checkpoints": [_checkpoint_json(c) for c in checkpoints],
    }
    if after_text is not None and len(checkpoints) == selectors.CHECKPOINT_JSON_LIMIT:
        body["next"] = request.build_absolute_uri(
            f"{reverse('sharing:access_log_checkpoints_json')}?after={checkpoints[-1].tree_size}"
        )
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})


@require_GET
@cache_control(public=True, max_age=30)
def access_log_checkpoints(request):
    page = Paginator(selectors.access_log_checkpoints(), selectors.CHECKPOINT_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "sharing/access_log_checkpoints.html", {"page": page})
