from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from oauth2_provider.models import AbstractApplication

from .models import AgencyClient


class AgencyClientForm(forms.ModelForm):
    """The binding of an agency's system: a client-credentials application, an office of a using
    agency, and an official of that office."""

    class Meta:
        model = AgencyClient
        fields = ["application", "office", "official"]

    def clean(self):
        cleaned = super().clean() or {}
        application, office, official = cleaned.get("application"), cleaned.get("office"), cleaned.get("official")
        if application and application.authorization_grant_type != AbstractApplication.GRANT_CLIENT_CREDENTIALS:
            self.add_error("application", _("Only an application with the client-credentials grant can be bound."))
        if office and office.using_agency_id is None:
            self.add_error("office", _("The office must belong to a using agency."))
        if office and official and not (official.is_official and official.memberships.filter(office=office).exists()):
            self.add_error("official", _("The official must be a member of the office."))
        return cleaned


@admin.register(AgencyClient)
class AgencyClientAdmin(admin.ModelAdmin):
    form = AgencyClientForm
    list_display = ["application", "office", "official", "created_at"]
    list_select_related = ["application", "office", "official"]
