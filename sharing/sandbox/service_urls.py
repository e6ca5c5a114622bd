"""The URLs of the stand-alone sandbox service (``sharing.sandbox.service_settings``): the same
paths as when the sandbox is mounted in the portal, machine endpoints only."""

from django.http import JsonResponse
from django.urls import include, path

from portal import health

from .urls import app_name, machine_patterns

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("sandbox/", include((machine_patterns, app_name))),
]


# Machines get the protocol's error bodies, not the portal's pages.
def not_found(request, exception=None):
    return JsonResponse({"error": "not_found", "message": "There is nothing at this address."}, status=404)


def server_error(request):
    return JsonResponse({"error": "server_error", "message": "The agency failed to answer."}, status=500)


handler404 = not_found
handler500 = server_error
