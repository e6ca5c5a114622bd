"""The recipient registry (administrators register recipients and their staff) and a read-only
view of submissions: they are made and withdrawn by citizens, retrieved by recipients."""

from __future__ import annotations

from django.contrib import admin

from portal.admin_base import ReadOnlyAdmin

from .models import Recipient, RecipientStaff, Submission


class RecipientStaffInline(admin.TabularInline):
    model = RecipientStaff
    extra = 1
    autocomplete_fields = ["user"]
    fields = ["user", "added_at"]
    readonly_fields = ["added_at"]


@admin.register(Recipient)
class RecipientAdmin(admin.ModelAdmin):
    list_display = ["name_ko", "name_en", "kind", "using_agency", "contact", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name_ko", "name_en"]
    list_select_related = ["using_agency"]
    prepopulated_fields = {"code": ["name_en"]}
    inlines = [RecipientStaffInline]

    def has_delete_permission(self, request, obj=None):
        # A recipient that received documents is deactivated, not deleted (its submissions name it).
        if obj is not None and obj.submissions.exists():
            return False
        return super().has_delete_permission(request, obj)


@admin.register(Submission)
class SubmissionAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "recipient", "status", "created_at", "expires_at", "retrieved_at"]
    list_filter = ["status", "recipient"]
    list_select_related = ["recipient"]
    search_fields = ["public_id"]
