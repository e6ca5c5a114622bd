"""Pytest fixtures that stand up the sandbox agencies over real HTTP (``live_server``).

``sandbox_agencies`` seeds the portal's catalogue (``sharing.demo.seed``), the sandbox
agencies with the sandbox tests' approved uses (and the portal's, pushed) and one block of
synthetic residents (the demo people first),
points every portal ``Agency`` at ``live_server.url + "/sandbox/agencies/<code>/"`` with the
agency's public keys, and returns a handle with ``.people`` (like ``DEMO_PEOPLE``) and
``.set_faults(agency_code, **faults)``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest
from django.db import transaction
from django.db.models.signals import post_save

from sharing.hub.models import ApprovedUse


@dataclass
class SandboxAgencies:
    url: str  # the live server's address
    people: list[dict] = field(default_factory=list)

    def base_url(self, agency_code: str) -> str:
        return f"{self.url}/sandbox/agencies/{agency_code}/"

    def item_url(self, agency_code: str, item_code: str) -> str:
        return f"{self.base_url(agency_code)}items/{item_code}/"

    def set_faults(self, agency_code: str, **faults):
        """Sets faults of one agency (latency_ms, jitter_ms, error_rate, timeout_rate, timeout_ms,
        tamper_signature, malformed, down); the others stay as they are."""
        from sharing.sandbox.models import SandboxAgency
        from sharing.sandbox.services import agency_faults_update

        return agency_faults_update(agency=SandboxAgency.objects.get(code=agency_code), **faults)

    @contextmanager
    def uses_not_pushed(self) -> Iterator[None]:
        """Uses made inside stay the portal's own: the agencies never hear of them."""
        post_save.disconnect(sender=ApprovedUse, dispatch_uid="tests-push-uses")
        try:
            yield
        finally:
            post_save.connect(_push_when_saved, sender=ApprovedUse, dispatch_uid="tests-push-uses")

    def reset_faults(self, agency_code: str | None = None) -> None:
        from sharing.sandbox.models import SandboxAgency
        from sharing.sandbox.services import agency_faults_reset

        agencies = SandboxAgency.objects.all()
        if agency_code is not None:
            agencies = agencies.filter(code=agency_code)
        for agency in agencies:
            agency_faults_reset(agency=agency)


@pytest.fixture
def sandbox_agencies(live_server, transactional_db) -> Iterator[SandboxAgencies]:
    from sharing import demo as portal_catalogue_demo
    from sharing.hub.services import uses_push_all
    from sharing.sandbox import demo
    from sharing.sandbox.loader import registers_load
    from sharing.sandbox.registers import BLOCK_SIZE

    from .helpers import approvals_for_tests

    portal_catalogue_demo.seed()
    demo.agencies_seed()
    approvals_for_tests()  # the uses the sandbox's own tests run under (tests/sandbox/helpers.py)
    registers_load(residents=BLOCK_SIZE, demo=demo.DEMO_OVERRIDES)
    demo.portal_agencies_configure(base_url=live_server.url)
    uses_push_all()  # the portal's decided uses, pushed over HTTP as in make run
    # Uses a test makes later (with the factories, not through the hub's services, which push
    # every decision) reach the agencies as a decision would: pushed once saved and committed.
    post_save.connect(_push_when_saved, sender=ApprovedUse, dispatch_uid="tests-push-uses")
    try:
        yield SandboxAgencies(url=live_server.url, people=[dict(person) for person in demo.DEMO_PEOPLE])
    finally:
        post_save.disconnect(sender=ApprovedUse, dispatch_uid="tests-push-uses")


def _push_when_saved(sender, instance, **kwargs):
    from sharing.hub.push import PUSHED_STATUSES, use_push

    if instance.status in PUSHED_STATUSES:
        use_pk = instance.pk
        transaction.on_commit(lambda: use_push(use_pk=use_pk))
