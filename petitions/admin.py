from django import forms
from django.contrib import admin, messages
from django.db.models import F
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from .catalogue_cache import catalogue_changed
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
from .uses import use_problems, use_problems_many


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
            "approved_use",
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
        "approved_use",
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
    list_display = [
        "name_ko",
        "name_en",
        "category",
        "processing_days",
        "fee",
        "routing",
        "active",
        "uses_check",
        "version",
    ]
    list_filter = ["category", "active", "routing"]
    list_select_related = ["handling_office"]
    search_fields = ["slug", "name_ko", "name_en"]
    prepopulated_fields = {"slug": ["name_en"]}
    autocomplete_fields = ["handling_office"]
    readonly_fields = ["version", "updated_at", "uses_check"]
    inlines = [FormFieldInline, RequiredInformationInline, FeeExemptionInline]
    actions = ["publish", "unpublish"]
    fieldsets = (
        (
            None,
            {"fields": ("slug", ("name_ko", "name_en"), "category", "active", "uses_check", ("version", "updated_at"))},
        ),
        (_("Descriptions"), {"fields": ("description_ko", "description_en", "notes_ko", "notes_en")}),
        (_("Processing"), {"fields": ("processing_days", ("routing", "handling_office"))}),
        (_("Fee"), {"fields": ("fee", ("fee_at_filing", "fee_refundable"))}),
    )

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        # The list's column, checked for the whole page at once (a fixed number of queries).
        problems = use_problems_many(changelist.result_list)
        for petition_type in changelist.result_list:
            petition_type.use_problems = problems[petition_type.pk]
        return changelist

    @admin.display(description=_("approved uses"))
    def uses_check(self, petition_type: PetitionType) -> str:
        """'OK', or what keeps the type from being published (petitions.uses.use_problems)."""
        if petition_type.pk is None:
            return "—"
        problems = getattr(petition_type, "use_problems", None)
        if problems is None:
            problems = use_problems(petition_type)
        return " ".join(problems) if problems else gettext("OK")

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if change:
            # Every saved edit is a new version; filed petitions keep the snapshot of theirs.
            PetitionType.objects.filter(pk=form.instance.pk).update(version=F("version") + 1)
        petition_type = form.instance
        if petition_type.active:
            # Saved with its required information: a type whose uses are not in order is not published.
            problems = use_problems(petition_type)
            if problems:
                PetitionType.objects.filter(pk=petition_type.pk).update(active=False)
                petition_type.active = False
                catalogue_changed()
                self.message_user(
                    request,
                    gettext("Saved, but not open for filing: %(problems)s") % {"problems": " ".join(problems)},
                    messages.ERROR,
                )

    @admin.action(description=_("Open for filing (after checking the approved uses)"), permissions=["change"])
    def publish(self, request, queryset):
        published = 0
        for petition_type in queryset.select_related("handling_office"):
            problems = use_problems(petition_type)
            if problems:
                self.message_user(
                    request,
                    gettext("“%(type)s” was not opened for filing: %(problems)s")
                    % {"type": petition_type.name, "problems": " ".join(problems)},
                    messages.ERROR,
                )
                continue
            if not petition_type.active:
                PetitionType.objects.filter(pk=petition_type.pk).update(active=True)
                published += 1
        if published:
            catalogue_changed()
            self.message_user(
                request,
                ngettext("%(n)d petition type opened for filing.", "%(n)d petition types opened for filing.", published)
                % {"n": published},
                messages.SUCCESS,
            )

    @admin.action(description=_("Close for filing"), permissions=["change"])
    def unpublish(self, request, queryset):
        closed = queryset.filter(active=True).update(active=False)
        catalogue_changed()
        self.message_user(
            request,
            ngettext("%(n)d petition type closed for filing.", "%(n)d petition types closed for filing.", closed)
            % {"n": closed},
            messages.SUCCESS,
        )


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
