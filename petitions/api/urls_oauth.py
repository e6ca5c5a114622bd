"""/oauth/: the OAuth 2 endpoints a client talks to (django-oauth-toolkit), the consent screen
in the portal's design. Applications are registered by administrators (admin), not here."""

from django.urls import path
from oauth2_provider import views as oauth_views

from . import views_oauth

app_name = "oauth2_provider"

urlpatterns = [
    path("authorize/", views_oauth.CitizenAuthorizationView.as_view(), name="authorize"),
    path("token/", oauth_views.TokenView.as_view(), name="token"),
    path("revoke_token/", oauth_views.RevokeTokenView.as_view(), name="revoke-token"),
]
