"""The public checkpoints of the access log and a proof's 409 page, at desktop and phone sizes:
nothing scrolls the page sideways (the hashes break), and axe-core finds nothing."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import _new_page, assert_accessible
from tests.e2e.layout import horizontal_overflow

pytestmark = pytest.mark.browser


@pytest.fixture
def checkpoints(live_server, transactional_db, monkeypatch, settings, tmp_path):
    from sharing import audit, crypto, ledger
    from tests.factories import CITIZEN1, OfficeFactory
    from tests.sharing.fake_tsa import FakeTSA

    monkeypatch.setattr(ledger, "timestamping", FakeTSA().module())
    settings.ACCESS_LOG_CHECKPOINT_DIR = tmp_path / "checkpoints"
    office = OfficeFactory(code="jongno", name_ko="종로구청", name_en="Jongno-gu Office", district_code="11110")
    for _ in range(3):
        audit.log_personal_data_access(
            action="viewed",
            subject_hash=crypto.subject_hash(CITIZEN1.rrn),
            case_ref="2026-0000001",
            office=office,
            actor=None,
            item_code="resident_abstract",
            fields=["name"],
            purpose="P-PENSION",
        )
        ledger.checkpoint_run()


@pytest.mark.parametrize(
    "viewport", [{"width": 1280, "height": 900}, {"width": 390, "height": 844}, {"width": 320, "height": 700}]
)
def test_the_checkpoints_page_fits_and_is_accessible(chromium, live_server, checkpoints, viewport):
    context, page = _new_page(chromium, viewport)
    try:
        page.goto(live_server.url + "/access-log/checkpoints/")
        assert page.locator(".tracker-table tbody tr").count() == 3
        assert horizontal_overflow(page) is None
        assert_accessible(page)
        assert page.js_errors == []
    finally:
        context.close()
