import pytest
from django.core.management import call_command

from sharing import demo
from sharing.demo_catalogue import AGENCIES, ITEMS, PURPOSES
from sharing.models import Agency, InformationItem, ItemField, Purpose


@pytest.mark.django_db
def test_seed_loads_the_catalogue_once(settings):
    settings.SITE_URL = "http://127.0.0.1:8000"
    demo.seed()
    counts = (
        Agency.objects.count(),
        InformationItem.objects.count(),
        ItemField.objects.count(),
        Purpose.objects.count(),
    )
    assert counts == (len(AGENCIES), len(ITEMS), sum(len(item["fields"]) for item in ITEMS), len(PURPOSES))
    mois = Agency.objects.get(code="mois")
    assert mois.base_url == "http://127.0.0.1:8000/sandbox/agencies/mois/"
    abstract = InformationItem.objects.get(code="resident_abstract")
    assert abstract.agency == mois and abstract.subject_kind == "person"
    assert [f.key for f in abstract.fields.all()][:3] == ["name", "rrn", "address"]
    assert abstract.fields.get(key="rrn").sensitivity == ItemField.Sensitivity.UNIQUE_ID
    assert set(abstract.purposes.values_list("code", flat=True)) == set(
        next(item for item in ITEMS if item["code"] == "resident_abstract")["purposes"]
    )

    # An operator's configuration (keys, timeouts) survives a second seed; nothing is duplicated.
    mois.public_jwks = {"keys": [{"kty": "EC"}]}
    mois.timeout_seconds = 9
    mois.save()
    demo.seed()
    mois.refresh_from_db()
    assert mois.public_jwks == {"keys": [{"kty": "EC"}]} and mois.timeout_seconds == 9
    assert (
        Agency.objects.count(),
        InformationItem.objects.count(),
        ItemField.objects.count(),
        Purpose.objects.count(),
    ) == counts


@pytest.mark.django_db
def test_names_follow_the_active_language():
    from django.utils import translation

    demo.seed()
    item = InformationItem.objects.get(code="building_ledger")
    with translation.override("ko"):
        assert item.name == "건축물대장" and item.fields.get(key="main_use").label == "주용도"
    with translation.override("en"):
        assert item.name == "Building ledger" and item.fields.get(key="main_use").label == "Main use"
        assert item.replaces == "Building ledger copy"


def test_worker_queues_include_one_queue_per_agency(settings):
    queues = settings.PORTAL_WORKER_QUEUES()
    for code, *_names in AGENCIES:
        assert f"fetch.{code}" in queues


@pytest.mark.django_db
def test_verify_and_requeue_commands_run_on_an_empty_database(capsys):
    call_command("verify_access_log")
    call_command("requeue_fetches")
    call_command("reencrypt_fetched_data")
    out = capsys.readouterr().out
    assert "0 entries verified" in out and "Queued 0" in out and "Re-encrypted 0" in out
