"""Operators' tools: the admin pages of the sandbox, the sandbox_faults command, the sandbox index page."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from sharing import demo_catalogue
from sharing.sandbox import demo, models

ADMIN_MODELS = ["sandboxagency", "useapproval", "resident", "parcel", "building", "vehicle", "refund", "registerblock"]


@pytest.mark.parametrize("model", ADMIN_MODELS)
def test_admin_lists_load(seeded, admin_client_verified, model, django_assert_max_num_queries):
    with django_assert_max_num_queries(25):
        response = admin_client_verified.get(reverse(f"admin:sandbox_{model}_changelist"))
    assert response.status_code == 200


def test_admin_detail_pages_load_and_registers_are_read_only(seeded, admin_client_verified):
    agency = models.SandboxAgency.objects.get(code="mois")
    assert admin_client_verified.get(reverse("admin:sandbox_sandboxagency_change", args=[agency.pk])).status_code == 200
    approval = models.UseApproval.objects.first()
    page = admin_client_verified.get(reverse("admin:sandbox_useapproval_change", args=[approval.pk]))
    assert page.status_code == 200 and b'name="_save"' not in page.content  # only the portal's pushes change it
    resident = models.Resident.objects.get(pk=1)
    page = admin_client_verified.get(reverse("admin:sandbox_resident_change", args=[resident.pk]))
    assert page.status_code == 200 and b'name="_save"' not in page.content
    assert admin_client_verified.get(reverse("admin:sandbox_resident_add")).status_code == 403
    search = admin_client_verified.get(reverse("admin:sandbox_resident_changelist"), {"q": resident.rrn})
    assert search.status_code == 200 and resident.name in search.content.decode()


def test_admin_edits_faults_and_resets_them(seeded, admin_client_verified):
    agency = models.SandboxAgency.objects.get(code="nts")
    url = reverse("admin:sandbox_sandboxagency_change", args=[agency.pk])
    response = admin_client_verified.post(
        url,
        {
            "name_ko": agency.name_ko,
            "name_en": agency.name_en,
            "latency_ms": 120,
            "jitter_ms": 30,
            "error_rate": 0.2,
            "timeout_rate": 0,
            "timeout_ms": 0,
            "tamper_signature": "on",
        },
    )
    assert response.status_code == 302
    agency.refresh_from_db()
    assert (agency.latency_ms, agency.error_rate, agency.tamper_signature) == (120, 0.2, True)
    bad = admin_client_verified.post(
        url,
        {
            "name_ko": "x",
            "name_en": "x",
            "latency_ms": 0,
            "jitter_ms": 0,
            "error_rate": 3,
            "timeout_rate": 0,
            "timeout_ms": 0,
        },
    )
    assert bad.status_code == 200 and bad.context["adminform"].form.errors
    admin_client_verified.post(
        reverse("admin:sandbox_sandboxagency_changelist"), {"action": "reset_faults", "_selected_action": [agency.pk]}
    )
    agency.refresh_from_db()
    assert not agency.has_faults


def test_sandbox_faults_sets_shows_and_resets(seeded):
    output = io.StringIO()
    call_command(
        "sandbox_faults",
        "mois",
        "--latency-ms",
        "100",
        "--jitter-ms",
        "50",
        "--error-rate",
        "0.2",
        "--timeout-rate",
        "0.05",
        "--tamper-signature",
        "--malformed",
        "--down",
        stdout=output,
    )
    agency = models.SandboxAgency.objects.get(code="mois")
    assert (agency.latency_ms, agency.jitter_ms, agency.error_rate, agency.timeout_rate) == (100, 50, 0.2, 0.05)
    assert agency.tamper_signature and agency.malformed and agency.down
    assert "mois: latency_ms=100" in output.getvalue()
    call_command("sandbox_faults", "mois", "--up", "--no-malformed", stdout=io.StringIO())
    agency.refresh_from_db()
    assert not agency.down and not agency.malformed and agency.tamper_signature
    output = io.StringIO()
    call_command("sandbox_faults", "all", "--reset", stdout=output)
    assert output.getvalue().count("no faults") == len(demo_catalogue.AGENCIES)
    assert not any(a.has_faults for a in models.SandboxAgency.objects.all())


def test_sandbox_faults_refuses_bad_input(seeded):
    with pytest.raises(CommandError, match="No sandbox agency"):
        call_command("sandbox_faults", "atlantis", stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("sandbox_faults", "mois", "--error-rate", "2", stdout=io.StringIO(), stderr=io.StringIO())
    with pytest.raises(CommandError):
        call_command("sandbox_faults", "mois", "--latency-ms", "9999999", stdout=io.StringIO())


def test_the_sandbox_index_page_lists_agencies_and_demo_subjects(seeded, client, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):
        response = client.get(reverse("sandbox:index"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "building_ledger" in content and demo.DEMO_PEOPLE[0]["pnu"] in content
    assert "style=" not in content and "<script>" not in content
