"""What the admin pages of several apps share."""

from __future__ import annotations

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records administrators may look at but never add, change or delete (fetches, the access
    log, e-documents, inquiries, exchanges): no actions, every field shown read-only (the
    ``readonly_fields`` a subclass names, else all of the model's)."""

    actions = None

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields or [field.name for field in self.model._meta.fields]
