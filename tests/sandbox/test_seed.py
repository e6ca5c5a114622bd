"""The sandbox's seed step: idempotent, loads more on demand with a progress bar, configures the portal."""

import io

import pytest
from django.core.management import call_command

from sharing import demo_catalogue
from sharing.sandbox import demo, loader, models, registers
from sharing.sandbox.keys import agency_public_jwks


def _counts() -> dict[str, int]:
    return {name: model._default_manager.count() for name, model in loader.MODELS.items()} | {
        "approvals": models.UseApproval.objects.count(),
        "agencies": models.SandboxAgency.objects.count(),
        "blocks": models.RegisterBlock.objects.count(),
    }


def test_a_second_run_changes_nothing(db):
    demo.seed(residents=600)
    first = _counts()
    snapshot = list(models.Resident.objects.order_by("pk").values_list("pk", "rrn", "name", "move_in_date"))
    output = io.StringIO()
    demo.seed(residents=600, stdout=output)
    assert _counts() == first
    assert list(models.Resident.objects.order_by("pk").values_list("pk", "rrn", "name", "move_in_date")) == snapshot
    assert "residents: 0 new" in output.getvalue()
    assert first["resident"] == 2 * registers.BLOCK_SIZE  # whole blocks
    assert first["agencies"] == len(demo_catalogue.AGENCIES)


def test_more_residents_append_blocks_identical_to_a_fresh_load(db):
    demo.seed(residents=500)
    demo.seed(residents=1000)
    appended = list(models.Resident.objects.order_by("pk").values_list("pk", "rrn", "name"))
    loader.flush_registers()
    demo.seed(residents=1000)
    assert list(models.Resident.objects.order_by("pk").values_list("pk", "rrn", "name")) == appended


def test_the_agencies_are_seeded_without_any_approved_use_of_their_own(db):
    """The agencies learn approved uses only from the portal's pushes (PROTOCOL.md)."""
    assert demo.agencies_seed() == len(models.AGENCY_NAMES)
    assert not models.UseApproval.objects.exists()


def test_an_edited_fault_survives_a_second_seed(db):
    demo.agencies_seed()
    models.SandboxAgency.objects.filter(code="nts").update(latency_ms=200)
    assert demo.agencies_seed() == 0
    assert models.SandboxAgency.objects.get(code="nts").latency_ms == 200


def test_the_portal_agencies_receive_the_sandbox_keys(db):
    from sharing import demo as catalogue_demo
    from sharing.models import Agency

    catalogue_demo.seed()
    demo.seed(residents=1)
    assert Agency.objects.get(code="mois").public_jwks == agency_public_jwks("mois")
    assert demo.portal_agencies_configure() == 0  # nothing left to change


def test_progress_is_written_while_loading(db):
    output = io.StringIO()
    loader.registers_load(residents=1500, stdout=output, chunk_blocks=1)
    lines = output.getvalue().splitlines()
    assert len(lines) == 3 and lines[-1].startswith("  [") and "1,500/1,500 residents" in lines[-1]


def test_another_seed_is_refused_while_the_registers_hold_one(db):
    loader.registers_load(residents=1, seed=1)
    with pytest.raises(loader.SeedMismatch):
        loader.registers_load(residents=1, seed=2)
    with pytest.raises(ValueError):
        loader.registers_load(residents=registers.MAX_BLOCKS * registers.BLOCK_SIZE + 1)


def test_seed_demo_runs_the_sandbox_step(db):
    output = io.StringIO()
    call_command("seed_demo", residents=10, stdout=output)
    assert "sharing.sandbox.demo.seed" in output.getvalue()
    assert models.Resident.objects.filter(rrn=demo.DEMO_PEOPLE[0]["rrn"]).exists()
