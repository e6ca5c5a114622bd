from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """The open API (/api/v1/): the pages' services and selectors over Django REST framework,
    with OAuth 2 clients from django-oauth-toolkit. It composes petitions and sharing, so it
    lives in the top layer (DESIGN.md section 8) and has no rules of its own."""

    name = "petitions.api"
    label = "api"
    verbose_name = _("Open API")
    default_auto_field = "django.db.models.BigAutoField"
