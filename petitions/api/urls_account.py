from django.urls import path

from . import views_oauth

app_name = "api_account"

urlpatterns = [
    path("", views_oauth.authorised_apps, name="apps"),
    path("<int:application_id>/revoke/", views_oauth.authorised_app_revoke, name="revoke"),
]
