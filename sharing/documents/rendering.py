"""HTML templates under ``templates/documents/`` to archivable PDFs (WeasyPrint).

Every PDF is A4, tagged and PDF/A-3a (accessible and archival at once), with the title,
author (issuing office), subject and language in its metadata, and embeds a subset of
Pretendard GOV, the Hangul font vendored with KRDS (SIL Open Font License).

WeasyPrint reads the vendored WOFF2 files through fontTools, which is slow (about half a
second a weight); the fonts are therefore converted once to TrueType in a cache folder,
and one font configuration and one parsed stylesheet are kept per process, so a render
only lays out and writes the document.
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

# WeasyPrint reports each rendering step (from its import on) at INFO: noise in a worker's
# log, and time spent. Set before the import; an explicit LOGGING entry still wins.
if logging.getLogger("weasyprint.progress").level == logging.NOTSET:
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

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


def _truetype(source: Path, cache: Path) -> Path:
    """The TrueType form of a WOFF2 font, converted once and named by the source's hash."""
    raw = source.read_bytes()
    target = cache / f"{source.name.split('.')[0]}-{hashlib.sha256(raw).hexdigest()[:16]}.ttf"
    if not target.exists():
        from fontTools.ttLib import TTFont

        font = TTFont(io.BytesIO(raw))
        font.flavor = None
        temporary = target.with_suffix(f".{os.getpid()}.tmp")
        font.save(temporary)
        os.replace(temporary, target)
    return target


class _DocumentFetcher(URLFetcher):
    """Documents load nothing from outside: only inline data and the cached fonts."""

    def __init__(self, allowed_dir: Path):
        super().__init__(allowed_protocols={"data", "file"}, allow_redirects=False)
        self._allowed_prefix = allowed_dir.resolve().as_uri() + "/"

    def fetch(self, url, headers=None):
        if url.startswith("data:") or url.startswith(self._allowed_prefix):
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
        path = _truetype(font_source_dir() / filename, cache)
        faces.append(
            f'@font-face {{ font-family: "{FONT_FAMILY}"; font-weight: {weight}; src: url("{path.resolve().as_uri()}"); }}'
        )
    fetcher = _DocumentFetcher(cache)
    font_config = FontConfiguration()
    css = CSS(
        string="\n".join(faces) + "\n" + STYLESHEET.read_text(encoding="utf-8"),
        font_config=font_config,
        url_fetcher=fetcher,
    )
    return _Renderer(font_config=font_config, stylesheet=css, fetcher=fetcher)


def qr_data_uri(text: str) -> str:
    """A QR code as a PNG of one pixel per module (scaled up crisply by the stylesheet)."""
    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="png", scale=1, border=2)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def html_to_pdf(html: str) -> bytes:
    return _renderer().write(html)


def render_pdf(*, template_name: str, context: dict, language: str) -> bytes:
    """Renders a template in the recipient's language and returns the PDF's bytes."""
    with translation.override(language):
        html = render_to_string(template_name, context)
    return html_to_pdf(html)
