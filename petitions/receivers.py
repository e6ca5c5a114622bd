"""Listens to the sharing backbone: a petition whose information is all in goes to review."""

from django.dispatch import receiver

from sharing.signals import case_fetches_settled


@receiver(case_fetches_settled, dispatch_uid="petitions.fetches_settled")
def on_case_fetches_settled(sender, case_ref, **kwargs):
    from .services import petition_fetches_settled

    petition_fetches_settled(case_ref=case_ref)
