"""Payment methods as people read them (the providers' method codes)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

METHODS = {
    "card": _("Credit or debit card"),
    "transfer": _("Bank transfer"),
    "virtual_account": _("Virtual account"),
    "easy_pay": _("Easy payment"),
    "mobile": _("Mobile phone"),
}


def method_label(code: str):
    return METHODS.get(code, code or "-")
