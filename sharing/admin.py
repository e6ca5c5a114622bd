"""Administration of the catalogue, and read-only views of fetches and of the access log."""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from portal.admin_base import ReadOnlyAdmin

from . import circuit
from .models import (
    AccessLogCheckpoint,
    AccessLogEntry,
    Agency,
    FetchedData,
    FetchRequest,
    InformationItem,
    ItemField,
    Purpose,
)
from .providers import errors as provider_errors
from .providers import registry


class AgencyForm(forms.ModelForm):
    provider = forms.ChoiceField(label=_("connection provider"), choices=registry.choices)
    base_url = forms.URLField(
        label=_("base URL"),
        max_length=300,
        assume_scheme="https",
        help_text=Agency._meta.get_field("base_url").help_text,
    )

    class Meta:
        model = Agency
        # Every editable field; the admin's fieldsets choose and group what is shown.
        fields = [
            "code",
            "name_ko",
            "name_en",
            "base_url",
            "public_jwks",
            "provider",
            "timeout_seconds",
            "max_attempts",
            "backoff_base_seconds",
            "backoff_cap_seconds",
            "circuit_failure_threshold",
            "circuit_reset_seconds",
            "enabled",
        ]

    def clean_public_jwks(self):
        from sharing.keys import public_keyset

        jwks = self.cleaned_data["public_jwks"] or {}
        if jwks:
            try:
                public_keyset(jwks)
            except Exception as exc:
                raise forms.ValidationError(_("This is not a valid JWK set: %(error)s"), params={"error": exc}) from exc
            if any("d" in key for key in jwks.get("keys", [])):
                raise forms.ValidationError(_("Paste the agency's public keys only, never a private key."))
        return jwks


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    form = AgencyForm
    list_display = ["code", "name_ko", "name_en", "base_url", "provider", "enabled", "circuit_state"]
    list_filter = ["enabled", "provider"]
    search_fields = ["code", "name_ko", "name_en"]
    actions = ["check_connection", "close_circuit"]
    fieldsets = (
        (None, {"fields": ("code", "name_ko", "name_en", "enabled")}),
        (_("Connection"), {"fields": ("provider", "base_url", "public_jwks", "timeout_seconds")}),
        (
            _("Retries and circuit"),
            {
                "fields": (
                    "max_attempts",
                    "backoff_base_seconds",
                    "backoff_cap_seconds",
                    "circuit_failure_threshold",
                    "circuit_reset_seconds",
                )
            },
        ),
    )

    @admin.display(description=_("circuit"))
    def circuit_state(self, agency):
        return {"closed": _("closed"), "open": _("open"), "half_open": _("half-open")}[circuit.state(agency)]

    @admin.action(description=_("Check connection"))
    def check_connection(self, request, queryset):
        for agency in queryset:
            try:
                registry[agency.provider].check_config(agency)
            except KeyError:
                self.message_user(
                    request,
                    _("%(agency)s: no provider %(provider)s.") % {"agency": agency.code, "provider": agency.provider},
                    messages.ERROR,
                )
            except provider_errors.ProviderConfigurationError as exc:
                self.message_user(
                    request,
                    _("%(agency)s: %(problem)s") % {"agency": agency.code, "problem": exc.detail},
                    messages.ERROR,
                )
            else:
                self.message_user(
                    request,
                    _("%(agency)s: the connection is configured and reachable.") % {"agency": agency.code},
                    messages.SUCCESS,
                )

    @admin.action(description=_("Close the circuit (let fetches through again)"))
    def close_circuit(self, request, queryset):
        for agency in queryset:
            circuit.reset(agency)
        self.message_user(request, _("Circuits closed."), messages.SUCCESS)


class ItemFieldInline(admin.TabularInline):
    model = ItemField
    extra = 0
    fields = ["order", "key", "label_ko", "label_en", "type", "sensitivity"]


@admin.register(InformationItem)
class InformationItemAdmin(admin.ModelAdmin):
    list_display = ["code", "name_ko", "agency", "subject_kind", "consent_required"]
    list_filter = ["agency", "subject_kind", "consent_required"]
    search_fields = ["code", "name_ko", "name_en", "replaces_ko"]
    list_select_related = ["agency"]
    filter_horizontal = ["purposes"]
    inlines = [ItemFieldInline]


@admin.register(Purpose)
class PurposeAdmin(admin.ModelAdmin):
    list_display = ["code", "name_ko", "name_en"]
    search_fields = ["code", "name_ko", "name_en"]


@admin.register(FetchRequest)
class FetchRequestAdmin(ReadOnlyAdmin):
    list_display = ["case_ref", "item", "office", "state", "attempts", "next_attempt_at", "error_code", "fetched_at"]
    list_filter = ["state", "item__agency", "office"]
    search_fields = ["case_ref"]
    list_select_related = ["item", "office"]
    exclude = ["subject_encrypted"]
    readonly_fields = [
        "case_ref",
        "item",
        "office",
        "requested_by",
        "fields",
        "purpose_code",
        "subject_kind",
        "subject_hash",
        "applicant_hash",
        "others_basis",
        "state",
        "attempts",
        "next_attempt_at",
        "error_code",
        "error_detail",
        "txn_id",
        "fetched_at",
        "created_at",
        "updated_at",
    ]


@admin.register(FetchedData)
class FetchedDataAdmin(ReadOnlyAdmin):
    """Provenance only: the values themselves are read through sharing.services, which logs the read."""

    list_display = ["fetch_request", "agency", "txn_id", "fetched_at"]
    list_select_related = ["fetch_request__item", "agency"]
    exclude = ["payload_encrypted"]
    readonly_fields = ["fetch_request", "agency", "txn_id", "fetched_at", "issued_at", "fields", "person_hashes"]


@admin.register(AccessLogEntry)
class AccessLogEntryAdmin(ReadOnlyAdmin):
    list_display = [
        "sequence",
        "created_at",
        "action",
        "actor_label",
        "office",
        "case_ref",
        "item_code",
        "purpose",
        "ip_address",
    ]
    list_filter = ["action", "office"]
    search_fields = ["case_ref", "subject_hash", "item_code"]
    list_select_related = ["office"]
    readonly_fields = [
        "sequence",
        "created_at",
        "action",
        "actor",
        "actor_label",
        "office",
        "subject_hash",
        "case_ref",
        "item_code",
        "fields_display",
        "purpose",
        "ip_address",
        "detail",
        "previous_hash",
        "entry_hash",
    ]
    exclude = ["fields"]

    @admin.display(description=_("fields"))
    def fields_display(self, entry):
        return json.dumps(entry.fields, ensure_ascii=False)


@admin.register(AccessLogCheckpoint)
class AccessLogCheckpointAdmin(ReadOnlyAdmin):
    """The access log's signed checkpoints (sharing.ledger): read only, like the log."""

    list_display = ["tree_size", "created_at", "root_hash", "timestamped_at", "exported_at"]
    readonly_fields = [
        "tree_size",
        "root_hash",
        "last_entry_hash",
        "previous",
        "created_at",
        "key_id",
        "digest",
        "signed",
        "timestamped_at",
        "exported_at",
    ]
    exclude = ["frontier", "timestamp_token", "previous_tree_size"]
