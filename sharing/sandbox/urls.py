from django.urls import path

from . import views

app_name = "sandbox"

# What machines use: also served alone by the stand-alone sandbox service (service_urls).
machine_patterns = [
    path("openapi.json", views.openapi_document, name="openapi"),
    path("agencies/<slug:agency_code>/", views.agency_root, name="agency"),
    path("agencies/<slug:agency_code>/jwks.json", views.agency_jwks, name="jwks"),
    path("agencies/<slug:agency_code>/items/<slug:item_code>/", views.item_endpoint, name="item"),
    path("tsa/", views.tsa_endpoint, name="tsa"),
    path("tsa/ca.pem", views.tsa_root_certificate, name="tsa_ca"),
    path("agencies/<slug:agency_code>/approvals/", views.approvals_endpoint, name="approvals"),
]

urlpatterns = [
    path("", views.index, name="index"),
    *machine_patterns,
]
