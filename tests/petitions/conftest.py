import io

import pytest
from django.test import Client

from petitions.demo import petition_types_seed
from petitions.identity import ResidentRecord, resident_link_set
from sharing.demo import seed as catalogue_seed
from tests.factories import OfficeFactory

CITIZEN1 = ResidentRecord(
    name="김민원",
    rrn="900101-1234567",
    phone="010-1234-5678",
    address="서울특별시 종로구 자하문로 10",
    district_code="11110",
)
CITIZEN2 = ResidentRecord(
    name="이시민",
    rrn="920315-2345678",
    phone="010-2345-6789",
    address="서울특별시 강남구 테헤란로 20 302호",
    district_code="11680",
)
BUILDING_ID = "11110-100000001"
PNU = "1111010100109410000"


def pdf_bytes() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@pytest.fixture
def queued_fetches(monkeypatch):
    """Fetches are recorded instead of sent to the agencies."""
    calls = []
    monkeypatch.setattr(
        "sharing.tasks.enqueue_fetch",
        lambda fetch_request_id, agency_code, *, countdown=0.0: calls.append(fetch_request_id),
    )
    return calls


@pytest.fixture
def queued_renders(monkeypatch):
    """Documents are recorded instead of rendered (rendering has its own tests)."""
    calls = []

    class FakeTask:
        @staticmethod
        def delay(document_request_id):
            calls.append(document_request_id)

    monkeypatch.setattr("sharing.documents.tasks.render_document", FakeTask)
    return calls


@pytest.fixture
def demo_types(db, office, other_office, queued_fetches, queued_renders):
    OfficeFactory(code="mapo", name_ko="마포구청", name_en="Mapo-gu Office", district_code="11440")
    catalogue_seed()
    petition_types_seed()


@pytest.fixture
def linked_citizen(citizen):
    resident_link_set(user=citizen, record=CITIZEN1)
    return citizen


@pytest.fixture
def linked_other_citizen(other_citizen):
    resident_link_set(user=other_citizen, record=CITIZEN2)
    return other_citizen


@pytest.fixture
def linked_client(linked_citizen):
    client = Client()
    client.force_login(linked_citizen, backend="django.contrib.auth.backends.ModelBackend")
    return client
