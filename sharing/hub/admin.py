"""Administration of the hub's roles, and a read-only view of uses and their history.

Uses are applied for and decided on the hub's pages (by the using and the owning agency), not
in the admin: the admin shows them, with every step, so operators can answer questions.
"""

from __future__ import annotations

from django.contrib import admin

from portal.admin_base import ReadOnlyAdmin

from .models import ApprovedUse, ApprovedUseEvent, OversightFlag, OwningAgencyReviewer, UsingAgencyAdministrator
from .models_lookups import ConsentGrant, Lookup


@admin.register(UsingAgencyAdministrator)
class UsingAgencyAdministratorAdmin(admin.ModelAdmin):
    list_display = ["user", "using_agency"]
    list_filter = ["using_agency"]
    list_select_related = ["user", "using_agency"]
    autocomplete_fields = ["user"]


@admin.register(OwningAgencyReviewer)
class OwningAgencyReviewerAdmin(admin.ModelAdmin):
    list_display = ["user", "agency"]
    list_filter = ["agency"]
    list_select_related = ["user", "agency"]
    autocomplete_fields = ["user"]


class ApprovedUseEventInline(admin.TabularInline):
    model = ApprovedUseEvent
    extra = 0
    can_delete = False
    readonly_fields = ["at", "action", "actor_label", "reason", "fields", "valid_from", "valid_until"]
    fields = ["at", "action", "actor_label", "reason", "fields", "valid_from", "valid_until"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ApprovedUse)
class ApprovedUseAdmin(ReadOnlyAdmin):
    list_display = ["affair_code", "using_agency", "item", "status", "valid_from", "valid_until"]
    list_filter = ["status", "using_agency", "item__agency"]
    search_fields = ["affair_code", "affair_name_ko", "affair_name_en", "legal_basis"]
    list_select_related = ["using_agency", "item"]
    inlines = [ApprovedUseEventInline]


@admin.register(OversightFlag)
class OversightFlagAdmin(ReadOnlyAdmin):
    """Flags are raised by the job and closed on /hub/oversight/ by the office's reviewers."""

    list_display = ["kind", "office", "official", "window_start", "window_end", "count", "status", "closed_by"]
    list_filter = ["status", "kind", "office"]
    list_select_related = ["office", "official", "closed_by"]
    date_hierarchy = "window_end"


@admin.register(Lookup)
class LookupAdmin(ReadOnlyAdmin):
    """Who looked up what kind of subject, under which use, why: never the subject or the answer."""

    list_display = ["reference", "official", "office", "approved_use", "subject_kind", "consent_basis", "created_at"]
    list_filter = ["using_agency", "subject_kind", "consent_basis"]
    search_fields = ["reference", "case_reference", "official__username", "official__staff_number"]
    list_select_related = ["official", "office", "approved_use__item"]
    fields = (
        "reference",
        "official",
        "office",
        "using_agency",
        "approved_use",
        "subject_kind",
        "case_reference",
        "reason",
        "consent_basis",
        "consent_grant",
        "fetch_request",
        "created_at",
        "kept_until",
        "purged_at",
    )
    readonly_fields = fields


@admin.register(ConsentGrant)
class ConsentGrantAdmin(ReadOnlyAdmin):
    list_display = ["affair_code", "using_agency", "granted_at", "expires_at", "withdrawn_at"]
    list_filter = ["using_agency"]
    list_select_related = ["using_agency"]
    fields = (
        "citizen",
        "using_agency",
        "approved_use",
        "affair_code",
        "granted_at",
        "expires_at",
        "withdrawn_at",
    )
    readonly_fields = fields
