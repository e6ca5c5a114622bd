"""Listens to the sharing backbone: a petition whose information is all in goes to review."""

from django.dispatch import receiver

from sharing.signals import case_fetches_settled


@receiver(case_fetches_settled, dispatch_uid="petitions.fetches_settled")
def on_case_fetches_settled(sender, case_ref, **kwargs):
    from .services import petition_fetches_settled

    petition_fetches_settled(case_ref=case_ref)


def _connect_catalogue_invalidation() -> None:
    """Every model shown on the catalogue pages starts a new version of their cached content."""
    from django.db.models.signals import post_delete, post_save

    from .catalogue_cache import catalogue_changed

    for model in ("petitions.PetitionType", "petitions.FormField", "petitions.RequiredInformation",
                  "sharing.InformationItem", "sharing.ItemField", "sharing.Agency", "portal.Office"):
        for signal in (post_save, post_delete):
            signal.connect(catalogue_changed, sender=model, weak=False,
                           dispatch_uid=f"petitions.catalogue_changed.{signal is post_save}.{model}")


_connect_catalogue_invalidation()
