"""HTML templates under ``templates/documents/`` to archivable PDFs (WeasyPrint).

Every PDF is A4, tagged and PDF/A-3a (accessible and archival at once), with the title,
author (issuing office), subject and language in its metadata, and embeds a subset of
Pretendard GOV, the Hangul font vendored with KRDS (SIL Open Font License).

The vendored WOFF2 files are turned once into a document form of the font in a cache
folder (TrueType, without the layout tables and alternates, glyphs numbered by use: see
_document_font), split into an everyday core and the rest (_document_fonts), because
WeasyPrint subsets the fonts of every document, with fontTools when the system has no
HarfBuzz-Subset library, and that cost grows with the font's tables and glyph count. One
font configuration and one parsed stylesheet are kept per process, so a render only lays out and writes the document.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import io
import logging
import os
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path

# WeasyPrint reports each rendering step (from its import on) at INFO, and fontTools' subsetter,
# run on the fonts of every document, each glyph list: noise in a worker's log, and time spent
# formatting it. Set before the import; an explicit LOGGING entry still wins.
for _noisy in ("weasyprint.progress", "fontTools"):
    if logging.getLogger(_noisy).level == logging.NOTSET:
        logging.getLogger(_noisy).setLevel(logging.WARNING)


class _OnceFilter(logging.Filter):
    """Lets each distinct message through once per process (WeasyPrint repeats its advice to
    install HarfBuzz-Subset for every font of every document)."""

    def __init__(self):
        super().__init__()
        self._seen: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        if "HarfBuzz-Subset" not in str(record.msg):
            return True
        key = record.getMessage()
        if key in self._seen:
            return False
        self._seen.add(key)
        return True


if not any(isinstance(f, _OnceFilter) for f in logging.getLogger("weasyprint").filters):
    logging.getLogger("weasyprint").addFilter(_OnceFilter())

import pydyf  # noqa: E402
import segno  # noqa: E402
from django.conf import settings  # noqa: E402
from django.template.loader import render_to_string  # noqa: E402
from django.utils import translation  # noqa: E402
from weasyprint import CSS, HTML  # noqa: E402
from weasyprint.text.fonts import FontConfiguration  # noqa: E402
from weasyprint.urls import URLFetcher  # noqa: E402

PDF_VARIANT = "pdf/a-3a"
# pydyf deflates every stream at level 9: for the font subsets (their glyph tables keep every
# glyph id, mostly zeros) that is about 4 ms a receipt for 1-2 % smaller files. Level 6.
STREAM_COMPRESSION_LEVEL = 6
STYLESHEET = Path(__file__).resolve().parent / "pdf" / "document.css"
FONT_FAMILY = "Pretendard GOV"
# The characters outside the everyday core (see _core_font) come from the whole document font
# under a second family name, which the stylesheet lists after the first.
FONT_FAMILY_REST = "Pretendard GOV Ext"
FONT_WEIGHTS = {400: "PretendardGOV-Regular.subset.woff2", 700: "PretendardGOV-Bold.subset.woff2"}


def font_source_dir() -> Path:
    return Path(getattr(settings, "DOCUMENT_FONT_DIR", settings.BASE_DIR / "static" / "vendor" / "krds" / "fonts"))


def _cache_dir() -> Path:
    preferred = Path(getattr(settings, "DOCUMENT_FONT_CACHE_DIR", "") or Path(settings.VAR_DIR) / "fonts")
    for candidate in (preferred, Path(tempfile.gettempdir()) / "portal-document-fonts"):
        try:
            candidate.mkdir(parents=True, exist_ok=True)
        except OSError:
            continue
        if os.access(candidate, os.W_OK):
            return candidate
    raise RuntimeError("No writable folder for the document font cache (set DOCUMENT_FONT_CACHE_DIR).")


# What the documents keep of the vendored font. The recipe names the cached files: change it
# whenever _document_font or _document_fonts change what they keep or how they order glyphs.
DOCUMENT_FONT_RECIPE = "doc4"
HANGUL_BY_USE = STYLESHEET.parent / "hangul-by-use.txt"
# Punctuation and symbols a Korean document commonly prints, numbered right after ASCII.
COMMON_SYMBOLS = "·‧–—‘’“”…※₩°×÷→①②③④⑤⑥⑦⑧⑨⑩○●□■△▲"


def _keeps(codepoint: int) -> bool:
    """Every encoded character but the private use area and the astral planes (icons, emoji)."""
    return not (0xE000 <= codepoint <= 0xF8FF or codepoint > 0xFFFF)


def _codepoints_by_use(encoded, *, everyday_only: bool = False) -> list[int]:
    """The order of the document font's glyphs: ASCII, common symbols, the Hangul syllables
    the portal's texts use (most used first), the other syllables of KS X 1001 (the 2,350 in
    everyday use), then everything else by code point. With everyday_only, up to the portal's
    Hangul: the characters of the core font (_document_fonts)."""
    frequent = [
        ord(char)
        for line in HANGUL_BY_USE.read_text(encoding="utf-8").splitlines()
        if not line.startswith("#")
        for char in line.strip()
    ]

    def ks_x_1001(codepoint: int) -> bool:
        return len(chr(codepoint).encode("euc_kr")) == 2  # other syllables take 8-byte sequences

    syllables = range(0xAC00, 0xD7A4)
    ranked = [*range(0x20, 0x7F), *map(ord, COMMON_SYMBOLS), *frequent]
    if not everyday_only:
        ranked += [*(codepoint for codepoint in syllables if ks_x_1001(codepoint)), *sorted(encoded)]
    return [codepoint for codepoint in dict.fromkeys(ranked) if codepoint in encoded]


def _number_glyphs_by_use(font) -> None:
    """Renumbers a font's glyphs in _codepoints_by_use order (.notdef first, each composite
    glyph's components right after it). WeasyPrint's subsets keep every glyph id up to the
    highest a document uses, so a document in everyday words subsets a few hundred glyphs
    rather than all of them. The font must have no table that refers to glyphs by number
    other than glyf, loca, hmtx and post (the layout tables are gone)."""
    for tag in font.keys():  # noqa: SIM118 (a TTFont, not a dict) every table reads its glyphs by the old numbers first
        font[tag]
    font.ensureDecompiled()
    glyf = font["glyf"]
    cmap = font.getBestCmap()
    original = font.getGlyphOrder()
    ordered: dict[str, None] = {original[0]: None}

    def take(name: str) -> None:
        if name in ordered:
            return
        ordered[name] = None
        glyph = glyf[name]
        if glyph.isComposite():
            for component in glyph.getComponentNames(glyf):
                take(component)

    for codepoint in _codepoints_by_use(cmap.keys()):
        take(cmap[codepoint])
    for name in original:
        take(name)
    order = list(ordered)
    font.setGlyphOrder(order)
    glyf.glyphOrder = order
    font.getReverseGlyphMap(rebuild=True)


def _document_font(source: Path, cache: Path) -> Path:
    """The form of a vendored WOFF2 font that documents embed, made once and cached by hash.

    WeasyPrint subsets the font of every document with fontTools, which reads the whole file
    each time and writes every glyph slot up to the highest glyph a document uses. In
    Pretendard GOV the layout tables alone (79 GSUB lookups of alternates, GPOS kerning) cost
    several times the rest, although the subset drops them anyway. The document form is
    TrueType (no WOFF2 decoding); it keeps every encoded character outside the private use
    area (all 2,780 Hangul syllables, Latin, punctuation, symbols) with its glyph, drops what
    documents never use (the layout tables, the alternates only they reach, the vertical
    metrics), and numbers the glyphs by use (_number_glyphs_by_use). The file stays in the
    cache folder: it is never distributed, only subsets of it are embedded in PDFs (as the
    SIL Open Font License allows).
    """
    raw = source.read_bytes()
    recipe = DOCUMENT_FONT_RECIPE.encode() + HANGUL_BY_USE.read_bytes() + COMMON_SYMBOLS.encode()
    digest = hashlib.sha256(raw + recipe).hexdigest()[:16]
    target = cache / f"{source.name.split('.')[0]}-{DOCUMENT_FONT_RECIPE}-{digest}.ttf"
    if not target.exists():
        from fontTools import subset
        from fontTools.ttLib import TTFont

        font = TTFont(io.BytesIO(raw))
        font.flavor = None
        options = subset.Options()
        options.layout_features = []
        options.drop_tables += ["GSUB", "GPOS", "GDEF", "vhea", "vmtx"]
        options.name_IDs = ["*"]  # copyright, licence and designer stay in the file
        options.name_languages = ["*"]
        options.notdef_outline = True
        options.glyph_names = True
        options.hinting = False
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=[codepoint for codepoint in font.getBestCmap() if _keeps(codepoint)])
        subsetter.subset(font)
        buffer = io.BytesIO()
        font.save(buffer)
        buffer.seek(0)
        font = TTFont(buffer)
        _number_glyphs_by_use(font)
        temporary = target.with_suffix(f".{os.getpid()}.tmp")
        font.save(temporary)
        os.replace(temporary, target)
    return target


def _rename(font, family: str) -> None:
    """Gives a font another family name, so that Fontconfig never takes it for the original."""
    postscript_old, postscript_new = FONT_FAMILY.replace(" ", ""), family.replace(" ", "")
    for record in font["name"].names:
        if record.nameID in (1, 16):  # family, typographic family
            record.string = family
        elif record.nameID in (3, 4, 6):  # unique id, full name, PostScript name
            record.string = record.toUnicode().replace(FONT_FAMILY, family).replace(postscript_old, postscript_new)


def _document_fonts(source: Path, cache: Path) -> tuple[Path, Path]:
    """The core and the whole document font made from a vendored WOFF2 font, both cached.

    The core holds the first glyphs of the document font, through the last of ASCII, the
    common symbols and the Hangul the portal's texts use (a fifth of the font): most documents
    need nothing else, and WeasyPrint then reads and subsets only the core, several times
    smaller. The rest of the glyphs, in a font named FONT_FAMILY_REST, supply any other
    character (a rare syllable in a name, say): it is embedded only in the documents that
    use it.
    """
    whole = _document_font(source, cache)
    core = whole.with_name(whole.stem + "-core.ttf")
    rest = whole.with_name(whole.stem + "-rest.ttf")
    if not (core.exists() and rest.exists()):
        from fontTools import subset
        from fontTools.ttLib import TTFont

        font = TTFont(whole)
        cmap = font.getBestCmap()
        everyday = _codepoints_by_use(cmap.keys(), everyday_only=True)
        last = max(font.getGlyphID(cmap[codepoint]) for codepoint in everyday)
        options = subset.Options()
        options.retain_gids = False  # the glyphs keep their order: the core is a prefix of the font
        options.name_IDs = ["*"]
        options.name_languages = ["*"]
        options.notdef_outline = True
        options.glyph_names = True
        options.hinting = False
        options.layout_features = []
        subsetter = subset.Subsetter(options)
        subsetter.populate(gids=range(last + 1))
        subsetter.subset(font)
        temporary = core.with_suffix(f".{os.getpid()}.tmp")
        font.save(temporary)
        os.replace(temporary, core)
        font = TTFont(whole)
        subsetter = subset.Subsetter(options)
        subsetter.populate(gids=range(last + 1, font["maxp"].numGlyphs))
        subsetter.subset(font)
        _rename(font, FONT_FAMILY_REST)
        temporary = rest.with_suffix(f".{os.getpid()}.tmp")
        font.save(temporary)
        os.replace(temporary, rest)
    return core, rest


class _DocumentFetcher(URLFetcher):
    """Documents load nothing from outside: only inline data and the cached fonts."""

    def __init__(self, allowed_dir: Path):
        super().__init__(allowed_protocols={"data", "file"}, allow_redirects=False)
        self._allowed_prefix = allowed_dir.resolve().as_uri() + "/"

    def fetch(self, url, headers=None):
        if url.startswith(("data:", self._allowed_prefix)):
            return super().fetch(url, headers)
        raise ValueError("E-documents may not load external resources.")


@dataclass
class _Renderer:
    font_config: FontConfiguration
    stylesheet: CSS
    fetcher: URLFetcher

    def write(self, html: str) -> bytes:
        return HTML(string=html, url_fetcher=self.fetcher, base_url=str(STYLESHEET.parent)).write_pdf(
            stylesheets=[self.stylesheet],
            font_config=self.font_config,
            pdf_variant=PDF_VARIANT,
            pdf_tags=True,
            finisher=_deflate_streams,
        )


def _deflate_streams(document, pdf: pydyf.PDF) -> None:
    """Deflates the document's streams at STREAM_COMPRESSION_LEVEL before pydyf writes them."""
    for obj in pdf.objects:
        if isinstance(obj, pydyf.Stream) and obj.compress and "Filter" not in obj.extra:
            raw = b"\n".join(pydyf._to_bytes(item) for item in obj.stream)
            obj.stream = [zlib.compress(raw, STREAM_COMPRESSION_LEVEL)]
            obj.extra["Filter"] = "/FlateDecode"
            obj.compress = False


@functools.cache
def _renderer() -> _Renderer:
    cache = _cache_dir()
    faces = []
    for weight, filename in FONT_WEIGHTS.items():
        core, rest = _document_fonts(font_source_dir() / filename, cache)
        for family, path in ((FONT_FAMILY, core), (FONT_FAMILY_REST, rest)):
            source = path.resolve().as_uri()
            faces.append(f'@font-face {{ font-family: "{family}"; font-weight: {weight}; src: url("{source}"); }}')
    fetcher = _DocumentFetcher(cache)
    font_config = FontConfiguration()
    css = CSS(
        string="\n".join(faces) + "\n" + STYLESHEET.read_text(encoding="utf-8"),
        font_config=font_config,
        url_fetcher=fetcher,
    )
    return _Renderer(font_config=font_config, stylesheet=css, fetcher=fetcher)


# segno tries the eight QR mask patterns and keeps the one with the lowest penalty, which is
# most of the time it takes. For the verification addresses (the site URL and a random code),
# pattern 2 is the best on average, and at worst 14 % above the best penalty (200 random codes).
QR_MASK = 2


def qr_data_uri(text: str) -> str:
    """A QR code as a PNG of one pixel per module (scaled up crisply by the stylesheet)."""
    buffer = io.BytesIO()
    segno.make(text, error="m", mask=QR_MASK, micro=False).save(buffer, kind="png", scale=1, border=2)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def html_to_pdf(html: str) -> bytes:
    return _renderer().write(html)


def render_pdf(*, template_name: str, context: dict, language: str) -> bytes:
    """Renders a template in the recipient's language and returns the PDF's bytes."""
    with translation.override(language):
        html = render_to_string(template_name, context)
    return html_to_pdf(html)
