import io

import pytest

from petitions.demo import petition_types_seed
from sharing.demo import seed as catalogue_seed
from tests.factories import OfficeFactory

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
def demo_types(db, office, other_office, queued_fetches, queued_renders):
    OfficeFactory(code="mapo", name_ko="마포구청", name_en="Mapo-gu Office", district_code="11440")
    catalogue_seed()
    petition_types_seed()
