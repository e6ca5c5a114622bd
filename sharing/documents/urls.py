from django.urls import path

from . import views

app_name = "documents"

urlpatterns = [
    path("verify/", views.verify, name="verify"),
    path("verify/document-sealing-ca.pem", views.sealing_ca, name="sealing_ca"),
    path("verify/time-stamping-ca.pem", views.tsa_ca, name="tsa_ca"),
    path("documents/<uuid:public_id>/download/", views.download, name="download"),
    path("documents/requests/<uuid:public_id>/", views.request_status, name="request_status"),
]
