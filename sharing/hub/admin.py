"""Administration of the hub's roles, and a read-only view of uses and their history.

Uses are applied for and decided on the hub's pages (by the using and the owning agency), not
in the admin: the admin shows them, with every step, so operators can answer questions.
"""

from __future__ import annotations

from django.contrib import admin

from portal.admin_base import ReadOnlyAdmin

from .models import ApprovedUse, ApprovedUseEvent, OversightFlag, OwningAgencyReviewer, UsingAgencyAdministrator


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
