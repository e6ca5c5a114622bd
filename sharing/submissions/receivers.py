"""Drops the cached "may open an inbox" of the users a change concerns."""

from __future__ import annotations

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import Recipient, RecipientStaff
from .selectors import staff_cache_key


@receiver([post_save, post_delete], sender=RecipientStaff, dispatch_uid="submissions_staff_changed")
def staff_changed(sender, instance: RecipientStaff, **kwargs) -> None:
    cache.delete(staff_cache_key(instance.user_id))


@receiver(post_save, sender=Recipient, dispatch_uid="submissions_recipient_changed")
def recipient_changed(sender, instance: Recipient, **kwargs) -> None:
    user_ids = RecipientStaff.objects.filter(recipient=instance).values_list("user_id", flat=True)
    cache.delete_many([staff_cache_key(user_id) for user_id in user_ids])
