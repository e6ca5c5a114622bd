from django.http import JsonResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from . import keys


@require_GET
@cache_control(public=True, max_age=300)
def jwks(request):
    """The portal's public keys, for agencies to verify requests and encrypt answers."""
    return JsonResponse(keys.public_jwks())
