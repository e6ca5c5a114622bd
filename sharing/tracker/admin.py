"""Privacy officers are appointed here; inquiries, refund inquiries and exchanges are read-only."""

from django.contrib import admin

from portal.admin_base import ReadOnlyAdmin

from .models import Exchange, PrivacyInquiry, PrivacyOfficer, RefundInquiry


@admin.register(PrivacyOfficer)
class PrivacyOfficerAdmin(admin.ModelAdmin):
    list_display = ["user", "office", "created_at"]
    list_filter = ["office"]
    list_select_related = ["user", "office"]
    raw_id_fields = ["user"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            from portal.models import User

            kwargs["queryset"] = User.objects.filter(role=User.Role.OFFICIAL)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(PrivacyInquiry)
class PrivacyInquiryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "office", "status", "answered_at"]
    list_filter = ["status", "office"]
    list_select_related = ["office"]
    fields = readonly_fields = ("created_at", "office", "entry", "status", "answered_by", "answered_at")


@admin.register(RefundInquiry)
class RefundInquiryAdmin(ReadOnlyAdmin):
    list_display = ["case_ref", "created_at"]
    search_fields = ["case_ref"]
    fields = readonly_fields = ("case_ref", "created_at")


@admin.register(Exchange)
class ExchangeAdmin(ReadOnlyAdmin):
    list_display = ["finished_at", "agency_code", "item_code", "outcome", "error_code", "latency_ms"]
    list_filter = ["agency_code", "outcome"]
    date_hierarchy = "finished_at"
