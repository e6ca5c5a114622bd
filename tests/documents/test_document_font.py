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
    return source_path, TTFont(io.BytesIO(source_path.read_bytes())), TTFont(document_path)


def test_every_character_outside_the_private_use_area_keeps_its_glyph_and_width(fonts):
    _path, source, document = fonts
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
    _path, _source, document = fonts
    assert not {"GSUB", "GPOS", "GDEF", "vmtx"} & set(document.keys())
    cmap = document.getBestCmap()
    order = document.getReverseGlyphMap()
    assert document.getGlyphOrder()[0] == ".notdef"
    assert order[cmap[ord("A")]] < 200
    # The portal's own words come before the rest of the Hangul syllables.
    assert max(order[cmap[ord(char)]] for char in "민원접수증신청인처리기한") < 800
    assert order[cmap[ord("똠")]] > 800


def test_core_and_rest_split_the_characters_between_them(fonts):
    source_path, source, _document = fonts
    core_path, rest_path = rendering._document_fonts(source_path, rendering._cache_dir())
    core, rest = TTFont(core_path), TTFont(rest_path)
    core_cmap, rest_cmap = core.getBestCmap(), rest.getBestCmap()
    kept = {codepoint for codepoint in source.getBestCmap() if rendering._keeps(codepoint)}
    assert set(core_cmap) | set(rest_cmap) == kept
    assert not set(core_cmap) & set(rest_cmap)
    assert all(ord(char) in core_cmap for char in "민원 접수증 Receipt 0123456789·—")
    assert ord("똠") in rest_cmap
    assert core["maxp"].numGlyphs < rest["maxp"].numGlyphs / 2
    assert rest["name"].getDebugName(1) == rendering.FONT_FAMILY_REST


def _receipt_fonts(name):
    from django.utils import timezone

    from sharing.documents import codes
    from sharing.documents.services import verify_url

    code = codes.generate()
    doc = {
        "title": "민원 접수증",
        "kind": "receipt",
        "kind_label": "접수증",
        "subject": "접수증 — 2026-0000001",
        "case_ref": "2026-0000001",
        "office_name": "종로구청",
        "language": "ko",
        "issued_at": timezone.now(),
        "issued_at_iso": timezone.now().isoformat(),
        "code": code,
        "code_display": codes.display(code),
        "verify_url": verify_url(code),
        "qr": rendering.qr_data_uri(verify_url(code)),
    }
    context = {"petition_type": "건축물 용도변경 신고", "applicant": {"name": name}, "doc": doc}
    pdf = rendering.render_pdf(template_name="documents/receipt.html", context=context, language="ko")
    reader = PdfReader(io.BytesIO(pdf))
    fonts = {}
    for font in reader.pages[0]["/Resources"]["/Font"].values():
        font = font.get_object()
        descendant = font["/DescendantFonts"][0].get_object()
        embedded = TTFont(io.BytesIO(descendant["/FontDescriptor"]["/FontFile2"].get_data()))
        fonts[str(font["/BaseFont"]).split("+", 1)[1]] = embedded["maxp"].numGlyphs
    return fonts, reader.pages[0].extract_text()


@pytest.mark.django_db
def test_a_receipt_in_everyday_words_embeds_small_subsets_of_the_core():
    fonts, text = _receipt_fonts("김민원")
    assert "김민원" in text
    assert set(fonts) == {"Pretendard-GOV", "Pretendard-GOV-Bold"}
    # WeasyPrint keeps every glyph id up to the highest used: far below the font's 3,500-odd.
    assert max(fonts.values()) < 1000, fonts


@pytest.mark.django_db
def test_a_rare_syllable_comes_from_the_rest_of_the_font():
    fonts, text = _receipt_fonts("황햏똠")
    assert "황햏똠" in text
    assert "Pretendard-GOV-Ext" in fonts and "Pretendard-GOV" in fonts
