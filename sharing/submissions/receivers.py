"""The cached "may open an inbox" of a user: read at login, dropped by every change that concerns it."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import Recipient, RecipientStaff
from .selectors import is_recipient_staff, staff_cache_key


def _drop(keys: list[str]) -> None:
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))  # and once more after commit, past any read in between


@receiver([post_save, post_delete], sender=RecipientStaff, dispatch_uid="submissions_staff_changed")
def staff_changed(sender, instance: RecipientStaff, **kwargs) -> None:
    _drop([staff_cache_key(instance.user_id)])


@receiver(post_save, sender=Recipient, dispatch_uid="submissions_recipient_changed")
def recipient_changed(sender, instance: Recipient, **kwargs) -> None:
    user_ids = RecipientStaff.objects.filter(recipient=instance).values_list("user_id", flat=True)
    _drop([staff_cache_key(user_id) for user_id in user_ids])


@receiver(user_logged_in, dispatch_uid="submissions_staff_login")
def staff_read_at_login(sender, user, **kwargs) -> None:
    is_recipient_staff(user)
