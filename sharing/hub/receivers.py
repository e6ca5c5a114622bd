"""The cached hub roles of a user (selectors.hub_roles, what the officials' menu links to) are
read once when they log in, so that no page pays for them, and dropped when a role row changes,
in the admin or anywhere else."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import OwningAgencyReviewer, UsingAgencyAdministrator
from .selectors import hub_roles, roles_cache_key


@receiver(post_save, sender=UsingAgencyAdministrator, dispatch_uid="hub.roles.admin.save")
@receiver(post_delete, sender=UsingAgencyAdministrator, dispatch_uid="hub.roles.admin.delete")
@receiver(post_save, sender=OwningAgencyReviewer, dispatch_uid="hub.roles.reviewer.save")
@receiver(post_delete, sender=OwningAgencyReviewer, dispatch_uid="hub.roles.reviewer.delete")
def role_changed(sender, instance, **kwargs) -> None:
    key = roles_cache_key(instance.user_id)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))  # and once more after commit, past any read in between


@receiver(user_logged_in, dispatch_uid="hub.roles.login")
def roles_read_at_login(sender, user, **kwargs) -> None:
    hub_roles(user)
