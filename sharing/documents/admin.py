"""E-documents in the admin: read-only (no add, change or delete), as the law on records asks."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.admin_base import ReadOnlyAdmin

from .models import DocumentRequest, EDocument


@admin.register(EDocument)
class EDocumentAdmin(ReadOnlyAdmin):
    list_display = ["display_code", "kind", "title", "case_ref", "issuing_office", "issued_at", "is_superseded"]
    list_filter = ["kind", "issuing_office"]
    search_fields = ["case_ref", "verification_code", "sha256"]
    date_hierarchy = "issued_at"
    list_select_related = ["issuing_office", "superseded_by"]

    @admin.display(description=pgettext_lazy("e-document", "verification code"), ordering="verification_code")
    def display_code(self, obj):
        return obj.display_code

    @admin.display(description=_("superseded"), boolean=True)
    def is_superseded(self, obj):
        return obj.is_superseded


@admin.register(DocumentRequest)
class DocumentRequestAdmin(ReadOnlyAdmin):
    list_display = ["title", "kind", "case_ref", "issuing_office", "state", "attempts", "created_at"]
    list_filter = ["state", "kind"]
    search_fields = ["case_ref", "idempotency_key"]
    list_select_related = ["issuing_office"]
    exclude = ["context"]

    def get_readonly_fields(self, request, obj=None):
        return [name for name in super().get_readonly_fields(request, obj) if name != "context"]
