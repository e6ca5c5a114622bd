from django import forms
from django.contrib import admin
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from .models import (
    FeeExemption,
    FormField,
    IdentityAttempt,
    Payment,
    PaymentReconciliation,
    Petition,
    PetitionType,
    RequiredInformation,
    ResidentLink,
    TimelineEvent,
)


class FormFieldInline(admin.TabularInline):
    model = FormField
    extra = 0
    fields = [
        "order",
        "key",
        "label_ko",
        "label_en",
        "type",
        "required",
        "help_ko",
        "help_en",
        "choices",
        "min_value",
        "max_value",
        "max_length",
        "pattern",
    ]


class FieldKeysField(forms.CharField):
    """The item's field keys as a comma-separated list (stored as a JSON list)."""

    def prepare_value(self, value):
        if isinstance(value, (list, tuple)):
            return ", ".join(value)
        return value

    def to_python(self, value):
        if isinstance(value, (list, tuple)):
            return list(value)
        return [part.strip() for part in (value or "").split(",") if part.strip()]


class RequiredInformationForm(forms.ModelForm):
    # The model's field is named "fields": the form's metaclass moves this declaration into
    # declared_fields, so BaseForm.fields is not shadowed at run time (only for the type checker).
    fields = FieldKeysField(  # type: ignore[assignment]
        label=_("fields"),
        help_text=_("Keys of the item's fields, separated by commas, e.g. name, address."),
    )

    class Meta:
        model = RequiredInformation
        # Every editable field; the inline's `fields` chooses and orders what is shown.
        fields = [
            "petition_type",
            "item",
            "fields",
            "purpose_code",
            "purpose_ko",
            "purpose_en",
            "legal_basis",
            "legal_basis_en",
            "consent_required",
            "subject_source",
            "subject_field_key",
            "others_policy",
            "others_legal_basis",
            "declaration_ko",
            "declaration_en",
            "order",
        ]


class RequiredInformationInline(admin.StackedInline):
    model = RequiredInformation
    form = RequiredInformationForm
    extra = 0
    fields = [
        ("item", "order"),
        "fields",
        ("purpose_code", "consent_required"),
        ("purpose_ko", "purpose_en"),
        ("legal_basis", "legal_basis_en"),
        ("subject_source", "subject_field_key"),
        "others_policy",
        "others_legal_basis",
        ("declaration_ko", "declaration_en"),
    ]


class FeeExemptionForm(forms.ModelForm):
    fields = FieldKeysField(  # type: ignore[assignment]
        label=_("fields"),
        required=False,
        help_text=_("Keys of the item's fields shown to the official, separated by commas."),
    )

    class Meta:
        model = FeeExemption
        fields = [
            "petition_type",
            "code",
            "name_ko",
            "name_en",
            "legal_basis",
            "legal_basis_en",
            "item",
            "eligibility_field",
            "fields",
            "purpose_code",
            "order",
        ]


class FeeExemptionInline(admin.StackedInline):
    model = FeeExemption
    form = FeeExemptionForm
    extra = 0
    fields = [
        ("code", "order"),
        ("name_ko", "name_en"),
        ("legal_basis", "legal_basis_en"),
        ("item", "purpose_code"),
        ("eligibility_field", "fields"),
    ]


@admin.register(PetitionType)
class PetitionTypeAdmin(admin.ModelAdmin):
    list_display = ["name_ko", "name_en", "category", "processing_days", "fee", "routing", "active", "version"]
    list_filter = ["category", "active", "routing"]
    search_fields = ["slug", "name_ko", "name_en"]
    prepopulated_fields = {"slug": ["name_en"]}
    autocomplete_fields = ["handling_office"]
    readonly_fields = ["version", "updated_at"]
    inlines = [FormFieldInline, RequiredInformationInline, FeeExemptionInline]
    fieldsets = (
        (None, {"fields": ("slug", ("name_ko", "name_en"), "category", "active", ("version", "updated_at"))}),
        (_("Descriptions"), {"fields": ("description_ko", "description_en", "notes_ko", "notes_en")}),
        (_("Processing"), {"fields": ("processing_days", ("routing", "handling_office"))}),
        (_("Fee"), {"fields": ("fee", ("fee_at_filing", "fee_refundable"))}),
    )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if change:
            # Every saved edit is a new version; filed petitions keep the snapshot of theirs.
            PetitionType.objects.filter(pk=form.instance.pk).update(version=F("version") + 1)


class TimelineInline(admin.TabularInline):
    model = TimelineEvent
    extra = 0
    can_delete = False
    readonly_fields = ("created_at", "from_status", "to_status", "actor", "shown_note")
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("note"))
    def shown_note(self, event: TimelineEvent) -> str:
        return event.note_text


@admin.register(Petition)
class PetitionAdmin(admin.ModelAdmin):
    """Read-only: petitions change only through the state machine."""

    list_display = ["receipt_no", "petition_type", "status", "office", "submitted_at", "due_date"]
    list_filter = ["status", "office", "petition_type"]
    search_fields = ["receipt_no"]
    list_select_related = ["petition_type", "office"]
    inlines = [TimelineInline]
    exclude = ["applicant_details", "data", "consents", "type_snapshot"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name not in self.exclude]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ResidentLink)
class ResidentLinkAdmin(admin.ModelAdmin):
    list_display = ["user", "name", "rrn_masked", "district_code", "provider", "verified_at"]
    search_fields = ["user__username", "name"]
    readonly_fields = ("user", "provider", "name", "rrn_masked", "phone", "address", "district_code", "verified_at")
    fields = readonly_fields

    def has_add_permission(self, request):
        return False


@admin.register(IdentityAttempt)
class IdentityAttemptAdmin(admin.ModelAdmin):
    """Read-only: the record of identity confirmation attempts (no name or RRN in it; the subject
    is the keyed hash of the RRN entered, the same as in the access log)."""

    list_display = ["created_at", "kind", "outcome", "user", "client_address", "subject_short"]
    list_filter = ["kind", "outcome"]
    search_fields = ["user__username", "=client_address", "=subject_hash"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"
    readonly_fields = ("created_at", "kind", "outcome", "user", "client_address", "subject_hash")
    fields = readonly_fields

    @admin.display(description=_("subject"), ordering="subject_hash")
    def subject_short(self, attempt):
        return attempt.subject_hash[:12]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class _ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Payment)
class PaymentAdmin(_ReadOnlyAdmin):
    """Read-only: payments change through the provider's answers only."""

    list_display = ["order_id", "petition", "amount", "status", "method", "approved_at", "refunded_at", "provider"]
    list_filter = ["status", "provider"]
    search_fields = ["=order_id", "=payment_key", "petition__receipt_no"]
    list_select_related = ["petition"]
    date_hierarchy = "created_at"
    readonly_fields = (
        "order_id",
        "petition",
        "provider",
        "amount",
        "order_name",
        "status",
        "payment_key",
        "method",
        "approved_at",
        "failure_code",
        "refund_reason",
        "refunded_at",
        "created_at",
        "updated_at",
    )
    fields = readonly_fields


@admin.register(PaymentReconciliation)
class PaymentReconciliationAdmin(_ReadOnlyAdmin):
    """The daily reconciliation reports (``manage.py reconcile_payments``, run daily by beat)."""

    list_display = [
        "day",
        "provider",
        "portal_count",
        "provider_count",
        "portal_total",
        "provider_total",
        "is_balanced",
        "created_at",
    ]
    list_filter = ["provider"]
    date_hierarchy = "day"
    readonly_fields = (
        "day",
        "provider",
        "portal_count",
        "provider_count",
        "portal_total",
        "provider_total",
        "discrepancy_lines",
        "created_at",
    )
    fields = readonly_fields

    @admin.display(description=_("balanced"), boolean=True)
    def is_balanced(self, report: PaymentReconciliation) -> bool:
        return report.balanced

    @admin.display(description=_("discrepancies"))
    def discrepancy_lines(self, report: PaymentReconciliation) -> str:
        from .payments.reports import discrepancy_lines

        return "\n".join(discrepancy_lines(report)) or "-"
