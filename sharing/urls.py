from django.urls import path

from . import views

app_name = "sharing"

urlpatterns = [
    path("sharing/jwks.json", views.jwks, name="jwks"),
    path("access-log/checkpoints/", views.access_log_checkpoints, name="access_log_checkpoints"),
    path("access-log/checkpoints.json", views.access_log_checkpoints_json, name="access_log_checkpoints_json"),
    path("access-log/key.json", views.access_log_key, name="access_log_key"),
]
