"""Admin of the sandbox agencies: fault settings are edited here, approved uses read; registers are read-only."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from sharing.crypto import mask_rrn

from . import models, services


@admin.register(models.SandboxAgency)
class SandboxAgencyAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name_ko",
        "latency_ms",
        "jitter_ms",
        "error_rate",
        "timeout_rate",
        "tamper_signature",
        "malformed",
        "down",
        "updated_at",
    ]
    list_editable = ["latency_ms", "jitter_ms", "error_rate", "timeout_rate", "tamper_signature", "malformed", "down"]
    readonly_fields = ["code", "updated_at"]
    fieldsets = (
        (None, {"fields": ("code", "name_ko", "name_en")}),
        (
            _("Faults"),
            {
                "fields": (
                    "latency_ms",
                    "jitter_ms",
                    "error_rate",
                    "timeout_rate",
                    "timeout_ms",
                    "tamper_signature",
                    "malformed",
                    "down",
                    "updated_at",
                )
            },
        ),
    )
    actions = ["reset_faults"]

    def has_add_permission(self, request):
        return False  # the agencies are the catalogue's; seed_demo creates them

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Reset the faults of the selected agencies"))
    def reset_faults(self, request, queryset):
        for agency in queryset:
            services.agency_faults_reset(agency=agency)
        self.message_user(request, _("The faults are reset."))


@admin.register(models.UseApproval)
class UseApprovalAdmin(admin.ModelAdmin):
    """What the portal pushed: read here, changed only by the portal's next decision (a new version)."""

    list_display = ["using_agency", "item_code", "affair_code", "status", "valid_from", "valid_until", "version"]
    list_filter = ["agency", "status", "using_agency"]
    search_fields = ["=use_id", "affair_code", "item_code", "using_agency"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyRegisterAdmin(admin.ModelAdmin):
    """The registers are generated from a seed: looked at, never edited by hand."""

    show_full_result_count = False
    list_per_page = 50

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(models.Resident)
class ResidentAdmin(ReadOnlyRegisterAdmin):
    # Masked as on every other page: the developer needs the birth date and sex digit, not the rest.
    # An exact search by the full number still finds a resident.
    list_display = ["id", "name", "masked_rrn", "birth_date", "sex", "relation_to_head", "synthetic"]
    exclude = ["rrn"]
    readonly_fields = ["masked_rrn"]
    search_fields = ["=rrn", "name"]
    list_select_related = False

    @admin.display(description=_("resident registration number"))
    def masked_rrn(self, obj):
        return mask_rrn(obj.rrn)


@admin.register(models.Parcel)
class ParcelAdmin(ReadOnlyRegisterAdmin):
    list_display = ["pnu", "lot_address", "land_category", "area_m2", "zoning", "owner_name"]
    search_fields = ["=pnu"]


@admin.register(models.Building)
class BuildingAdmin(ReadOnlyRegisterAdmin):
    list_display = [
        "management_number",
        "road_address",
        "main_use",
        "floors_above",
        "approval_date",
        "violation",
        "owner_name",
    ]
    search_fields = ["=management_number"]


@admin.register(models.Vehicle)
class VehicleAdmin(ReadOnlyRegisterAdmin):
    list_display = ["plate", "model_name", "model_year", "registered_on"]
    search_fields = ["=plate"]


@admin.register(models.Refund)
class RefundAdmin(ReadOnlyRegisterAdmin):
    list_display = ["id", "agency", "description", "amount", "occurred_on", "claim_deadline"]
    list_filter = ["agency"]


@admin.register(models.RegisterBlock)
class RegisterBlockAdmin(ReadOnlyRegisterAdmin):
    list_display = ["number", "seed", "residents"]


@admin.register(models.SandboxPayment)
class SandboxPaymentAdmin(ReadOnlyRegisterAdmin):
    """What the sandbox payment gateway recorded: answered in its window, never edited here."""

    list_display = ["order_id", "merchant_id", "amount", "status", "method", "approved_at", "canceled_at"]
    list_filter = ["status", "merchant_id"]
    search_fields = ["=order_id", "=payment_key"]


@admin.register(models.SandboxWebhookDelivery)
class SandboxWebhookDeliveryAdmin(ReadOnlyRegisterAdmin):
    list_display = ["event_id", "payment", "status", "response_status", "created_at"]
    list_filter = ["status", "response_status"]
