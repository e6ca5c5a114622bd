"""The document form of the Hangul font: the same glyphs as the vendored font, cheaper to subset."""

import io

import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from sharing.documents import rendering


@pytest.fixture(scope="module", params=sorted(rendering.FONT_WEIGHTS.values()))
def fonts(request):
    source_path = rendering.font_source_dir() / request.param
    document_path = rendering._document_font(source_path, rendering._cache_dir())
    return TTFont(io.BytesIO(source_path.read_bytes())), TTFont(document_path)


def test_every_character_outside_the_private_use_area_keeps_its_glyph_and_width(fonts):
    source, document = fonts
    source_cmap, document_cmap = source.getBestCmap(), document.getBestCmap()
    kept = [codepoint for codepoint in source_cmap if rendering._keeps(codepoint)]
    assert sum(0xAC00 <= codepoint <= 0xD7A3 for codepoint in kept) >= 2350  # every syllable of KS X 1001 at least
    assert set(document_cmap) == set(kept)
    source_glyf, document_glyf = source["glyf"], document["glyf"]
    for codepoint in kept:
        before, after = source_cmap[codepoint], document_cmap[codepoint]
        assert document["hmtx"][after] == source["hmtx"][before], chr(codepoint)
        old = source_glyf[before].getCoordinates(source_glyf)
        new = document_glyf[after].getCoordinates(document_glyf)
        assert list(new[0]) == list(old[0]) and list(new[1]) == list(old[1]), chr(codepoint)


def test_layout_tables_are_gone_and_glyphs_are_numbered_by_use(fonts):
    _source, document = fonts
    assert not {"GSUB", "GPOS", "GDEF", "vmtx"} & set(document.keys())
    cmap = document.getBestCmap()
    order = document.getReverseGlyphMap()
    assert document.getGlyphOrder()[0] == ".notdef"
    assert order[cmap[ord("A")]] < 200
    # The portal's own words come before the rest of the Hangul syllables.
    assert max(order[cmap[ord(char)]] for char in "민원접수증신청인처리기한") < 800
    assert order[cmap[ord("똠")]] > 800


@pytest.mark.django_db
def test_a_receipt_embeds_a_small_subset():
    from django.utils import timezone

    from sharing.documents import codes
    from sharing.documents.services import verify_url

    code = codes.generate()
    doc = {
        "title": "민원 접수증", "kind": "receipt", "kind_label": "접수증", "subject": "접수증 — 2026-0000001",
        "case_ref": "2026-0000001", "office_name": "종로구청", "language": "ko", "issued_at": timezone.now(),
        "issued_at_iso": timezone.now().isoformat(), "code": code, "code_display": codes.display(code),
        "verify_url": verify_url(code), "qr": rendering.qr_data_uri(verify_url(code)),
    }
    context = {"petition_type": "건축물 용도변경 신고", "applicant": {"name": "김민원"}, "doc": doc}
    pdf = rendering.render_pdf(template_name="documents/receipt.html", context=context, language="ko")
    reader = PdfReader(io.BytesIO(pdf))
    slots = []
    for font in reader.pages[0]["/Resources"]["/Font"].values():
        descendant = font.get_object()["/DescendantFonts"][0].get_object()
        embedded = TTFont(io.BytesIO(descendant["/FontDescriptor"]["/FontFile2"].get_data()))
        slots.append(embedded["maxp"].numGlyphs)
    # WeasyPrint keeps every glyph id up to the highest used: a receipt in everyday words
    # stays far below the font's 3,500-odd glyphs.
    assert slots and max(slots) < 1000, slots
