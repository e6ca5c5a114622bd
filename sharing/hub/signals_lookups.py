"""An official's look-ups without a case reference end with their session (logout)."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver


@receiver(user_logged_out, dispatch_uid="hub_lookups_purge_at_logout")
def purge_lookups_at_logout(sender, request, user, **kwargs):
    if user is None or not getattr(user, "is_official", False):
        return
    from .services_lookups import lookups_purge_at_logout

    lookups_purge_at_logout(official=user)
