from django.urls import path

from . import views

app_name = "documents"

urlpatterns = [
    path("verify/", views.verify, name="verify"),
    path("documents/<uuid:public_id>/download/", views.download, name="download"),
    path("documents/requests/<uuid:public_id>/", views.request_status, name="request_status"),
]
