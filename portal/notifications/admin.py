from django.contrib import admin

from portal.admin_base import ReadOnlyAdmin

from .models import Notification, NotificationPreference


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    """Every notification sent, its attempts and the provider's answer: looked at, never edited."""

    list_display = ("created_at", "kind", "channel", "status", "attempts", "case_ref", "provider", "last_error")
    list_filter = ("status", "channel", "kind")
    search_fields = ("case_ref", "provider_message_id")
    list_select_related = ()
    exclude = ("address", "body")
    readonly_fields = (
        "recipient",
        "case_ref",
        "kind",
        "channel",
        "status",
        "provider",
        "provider_message_id",
        "dedupe_key",
        "language",
        "subject",
        "text",
        "template_code",
        "variables",
        "attempts",
        "last_error",
        "created_at",
        "last_attempt_at",
        "next_attempt_at",
        "sent_at",
        "failed_at",
    )


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(ReadOnlyAdmin):
    """Chosen by the citizen on their account page only."""

    list_display = ("user", "email", "sms", "kakao", "phone_consented_at")
    exclude = ("phone",)
    readonly_fields = ("user", "email", "sms", "kakao", "phone_consented_at", "updated_at")
