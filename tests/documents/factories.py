"""Factories for e-documents: issued ones go through the store's own path (sealed, stored)."""

from __future__ import annotations

import io
import itertools
from typing import cast

from sharing.documents import pades, services
from sharing.documents.models import Kind

_counter = itertools.count(1)


def minimal_pdf(text: str = "test") -> bytes:
    """A small valid one-page PDF made with pypdf (no rendering needed)."""
    from pypdf import PdfWriter
    from pypdf.generic import NameObject, StreamObject

    writer = PdfWriter()
    page = writer.add_blank_page(width=200, height=200)
    stream = StreamObject()
    stream.set_data(f"% {text}\n".encode())
    page[NameObject("/Contents")] = writer._add_object(stream)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def issued_document(
    *,
    owner,
    office,
    kind=Kind.RECEIPT,
    case_ref="2026-0000123",
    content=None,
    supersedes=None,
    title="민원 접수증",
    issued_at=None,
    subject_hash="a" * 64,
):
    """An EDocument stored as the services store one (file, hash, code, seal); unless ``content`` is
    given, a small PDF signed as rendered documents are (PAdES)."""
    return services._document_store(
        content=content if content is not None else pades.pdf_sign(minimal_pdf(f"document {next(_counter)}")),
        media_type="application/pdf",
        extension="pdf",
        kind=kind,
        title=title,
        case_ref=case_ref,
        owner=owner,
        issuing_office=office,
        language="ko",
        idempotency_key=f"test:{next(_counter)}",
        supersedes=supersedes,
        issued_at=issued_at,
        subject_hash=subject_hash,
    )


RECEIPT_CONTEXT = {
    "petition_type": "건축물 용도변경 신고",
    "applicant": {"name": "김민원", "address": "서울특별시 종로구 세종대로 209"},
    "submitted_at": "2026-11-27T10:31:00+09:00",
    "due_date": "2026-12-04",
    "fee": 3000,
    "fetched_items": [
        {"name": "주민등록표 초본", "agency": "행정안전부"},
        {"name": "건축물대장", "agency": "국토교통부"},
    ],
}


def receipt_request(*, owner, office, case_ref="2026-0000123", key=None, language="ko", title="민원 접수증", **extra):
    return services.document_request(
        kind=Kind.RECEIPT,
        case_ref=case_ref,
        owner=owner,
        issuing_office=office,
        template_name="documents/receipt.html",
        context=RECEIPT_CONTEXT,
        language=language,
        title=title,
        idempotency_key=key or f"receipt:{case_ref}",
        subject_hash="b" * 64,
        **extra,
    )


def pdf_with_active_content(text: str = "Floor plan of the shop") -> bytes:
    """A one-page PDF with visible text and every kind of active content an attacker would use:
    /OpenAction JavaScript, a document-level JavaScript name tree, an embedded file, the page's
    additional actions, a link that launches a program and a file-attachment annotation."""
    from pypdf import PdfWriter
    from pypdf.generic import (
        ArrayObject,
        DictionaryObject,
        FloatObject,
        NameObject,
        StreamObject,
        TextStringObject,
    )

    writer = PdfWriter()
    page = writer.add_blank_page(width=300, height=200)
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)})}
    )
    stream = StreamObject()
    stream.set_data(f"BT /F1 12 Tf 20 100 Td ({text}) Tj ET".encode())
    page[NameObject("/Contents")] = writer._add_object(stream)

    def js(code):
        return DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Action"),
                NameObject("/S"): NameObject("/JavaScript"),
                NameObject("/JS"): TextStringObject(code),
            }
        )

    writer._root_object[NameObject("/OpenAction")] = writer._add_object(js("app.alert('opened');"))
    writer.add_attachment("payload.exe", b"MZ\x90\x00 not really a program")
    names = cast(DictionaryObject, writer.root_object["/Names"].get_object())
    names[NameObject("/JavaScript")] = DictionaryObject(
        {
            NameObject("/Names"): ArrayObject(
                [TextStringObject("startup"), writer._add_object(js("app.alert('document level');"))]
            )
        }
    )
    page[NameObject("/AA")] = DictionaryObject({NameObject("/O"): js("app.alert('page open');")})
    rect = ArrayObject([FloatObject(10), FloatObject(10), FloatObject(100), FloatObject(40)])
    launch = DictionaryObject({NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("cmd.exe")})
    link = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Link"),
            NameObject("/Rect"): rect,
            NameObject("/A"): launch,
        }
    )
    clip = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/FileAttachment"),
            NameObject("/Rect"): rect,
        }
    )
    page[NameObject("/Annots")] = ArrayObject([writer._add_object(link), writer._add_object(clip)])
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
