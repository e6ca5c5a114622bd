"""Forms of applying for and deciding uses. They check the shape of the input; the rules (fields
of the item, periods, reasons, transitions) are the services', whose errors the views put next
to the field they concern (``UseError.field``)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from sharing.models import InformationItem, Purpose

from .models import AFFAIR_CODE_VALIDATOR

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ItemField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.agency.name} · {obj.name} ({obj.code})"


class PurposeField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.name} ({obj.code})"


class ItemChoiceForm(forms.Form):
    """Step one of an application: which item (its fields are offered in step two)."""

    item = ItemField(
        label=_("Information item"),
        queryset=InformationItem.objects.select_related("agency").order_by("agency__code", "code"),
        to_field_name="code",
        empty_label=_("Choose an item"),
    )


class ApplyForm(forms.Form):
    fields_wanted = forms.MultipleChoiceField(
        label=_("Fields needed"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only the fields the affair needs: the owning agency may approve fewer."),
    )
    affair_code = forms.CharField(label=_("Affair code"), max_length=40, validators=[AFFAIR_CODE_VALIDATOR])
    affair_name_ko = forms.CharField(label=_("Administrative affair (Korean)"), max_length=200)
    affair_name_en = forms.CharField(label=_("Administrative affair (English)"), max_length=200, required=False)
    purpose = PurposeField(
        label=_("Purpose"), queryset=Purpose.objects.order_by("code"), to_field_name="code", empty_label=None
    )
    legal_basis = forms.CharField(
        label=_("Legal basis (Korean)"), max_length=300, help_text=_("The law and article, e.g. 주차장법 제10조.")
    )
    legal_basis_en = forms.CharField(label=_("Legal basis (English)"), max_length=300, required=False)
    consent_required = forms.BooleanField(
        label=_("The consent of the person concerned is required for each look-up"), required=False
    )
    expected_monthly_volume = forms.IntegerField(
        label=_("Expected look-ups per month"), min_value=0, max_value=10_000_000
    )
    requested_from = forms.DateField(label=_("Period: from"), widget=DATE_INPUT)
    requested_until = forms.DateField(label=_("Period: until"), widget=DATE_INPUT)

    def __init__(self, *args, item: InformationItem, **kwargs):
        super().__init__(*args, **kwargs)
        wanted = self.fields["fields_wanted"]
        assert isinstance(wanted, forms.MultipleChoiceField)  # noqa: S101 (declared above)
        wanted.choices = [(field.key, field.label) for field in item.fields.all()]
        self.fields["affair_code"].widget.attrs.update({"autocapitalize": "characters", "spellcheck": "false"})

    def add_service_error(self, error) -> None:
        """A service's refusal, next to the field it concerns (the form's names differ in one place)."""
        field = {"fields": "fields_wanted"}.get(error.field, error.field)
        self.add_error(field if field in self.fields else None, error.message)


class ApproveForm(forms.Form):
    """Approve as applied for, or narrowed: uncheck fields, shorten the period, say why."""

    fields_approved = forms.MultipleChoiceField(label=_("Approved fields"), widget=forms.CheckboxSelectMultiple)
    valid_from = forms.DateField(label=_("Approved from"), widget=DATE_INPUT)
    valid_until = forms.DateField(label=_("Approved until"), widget=DATE_INPUT)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when fewer fields or a shorter period are approved."),
    )

    def __init__(self, *args, use, labels: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        approved = self.fields["fields_approved"]
        assert isinstance(approved, forms.MultipleChoiceField)  # noqa: S101 (declared above)
        approved.choices = [(key, labels.get(key, key)) for key in use.requested_fields]
        if not self.is_bound:
            self.initial.update(
                {
                    "fields_approved": list(use.requested_fields),
                    "valid_from": use.requested_from,
                    "valid_until": use.requested_until,
                }
            )

    def add_service_error(self, error) -> None:
        field = {"fields": "fields_approved"}.get(error.field, error.field)
        self.add_error(field if field in self.fields else None, error.message)


class ReasonForm(forms.Form):
    """Refuse, suspend, revoke (a reason required by the service) or resume (optional)."""

    reason = forms.CharField(
        label=_("Reason"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, data=None, *, prefix_name: str):
        super().__init__(data, prefix=prefix_name)

    def add_service_error(self, error) -> None:
        self.add_error("reason" if error.field == "reason" else None, error.message)
