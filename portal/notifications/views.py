"""The citizen's notification settings, with the notifications sent to them lately."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from portal.roles import citizen_required

from . import selectors, services
from .forms import NotificationPreferenceForm

RECENT = 20


@citizen_required
@never_cache
@require_http_methods(["GET", "POST"])
def preferences(request):
    preference = selectors.preference_of(request.user)
    initial = {
        "email": preference.email,
        "sms": preference.sms,
        "kakao": preference.kakao,
        "phone": preference.phone,
        "phone_consent": preference.phone_consented_at is not None,
    }
    form = NotificationPreferenceForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.preferences_update(
            user=request.user,
            email=data["email"],
            sms=data.get("sms", False),
            kakao=data.get("kakao", False),
            phone=data.get("phone", ""),
            confirm=True,
        )
        messages.success(request, _("Your notification settings have been saved."))
        return redirect("notification_preferences")
    context = {
        "form": form,
        "notifications": selectors.notifications_of(recipient=request.user, limit=RECENT),
    }
    return render(request, "notifications/preferences.html", context, status=400 if form.errors else 200)
