"""Listens to the sharing backbone: a petition whose information is all in goes to review."""

from django.dispatch import receiver

from sharing.signals import case_fetches_settled, fetch_agency_down


@receiver(case_fetches_settled, dispatch_uid="petitions.fetches_settled")
def on_case_fetches_settled(sender, case_ref, **kwargs):
    from .services import petition_fetches_settled

    petition_fetches_settled(case_ref=case_ref)


@receiver(fetch_agency_down, dispatch_uid="petitions.agency_down")
def on_fetch_agency_down(sender, case_ref, **kwargs):
    """An agency of the case cannot answer now: tell the applicant once that they may upload."""
    from .notifications import outage_notice_queue

    outage_notice_queue(case_ref=case_ref)


def _connect_catalogue_invalidation() -> None:
    """Every model shown on the catalogue pages starts a new version of their cached content."""
    from django.db.models.signals import post_delete, post_save

    from .catalogue_cache import catalogue_changed

    for model in (
        "petitions.PetitionType",
        "petitions.FormField",
        "petitions.RequiredInformation",
        "sharing.InformationItem",
        "sharing.ItemField",
        "sharing.Agency",
        "portal.Office",
    ):
        for signal in (post_save, post_delete):
            signal.connect(
                catalogue_changed,
                sender=model,
                weak=False,
                dispatch_uid=f"petitions.catalogue_changed.{signal is post_save}.{model}",
            )


_connect_catalogue_invalidation()

# What a petition's place in the officer queue's counts depends on.
_QUEUE_COUNTED_FIELDS = {"status", "due_date", "office", "office_id"}


def _petition_saved(sender, instance, update_fields=None, **kwargs) -> None:
    if update_fields is not None and not _QUEUE_COUNTED_FIELDS & set(update_fields):
        return
    from .officer_selectors import queue_counts_changed

    queue_counts_changed(office_id=instance.office_id)


def _petition_deleted(sender, instance, **kwargs) -> None:
    from .officer_selectors import queue_counts_changed

    queue_counts_changed(office_id=instance.office_id)


def _connect_queue_counts_invalidation() -> None:
    """A change of a petition's status, due date or office starts its office's queue counts anew."""
    from django.db.models.signals import post_delete, post_save

    post_save.connect(
        _petition_saved, sender="petitions.Petition", weak=False, dispatch_uid="petitions.queue_counts_changed.save"
    )
    post_delete.connect(
        _petition_deleted, sender="petitions.Petition", weak=False, dispatch_uid="petitions.queue_counts_changed.delete"
    )


_connect_queue_counts_invalidation()
