"""Every form of the project, fuzzed with hypothesis as the user who is shown it.

Hangul, huge strings, control characters, wrong types, missing and unexpected fields: the
answer is never a server error, and a refused submission writes nothing (the row counts of
the project's tables do not move).
"""

from __future__ import annotations

import datetime
import io
import time
from collections.abc import Iterable
from typing import Any, cast

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import login_verified
from tests.factories import CitizenFactory, OfficialFactory

from .forms_discovery import context_values, discover_targets, project_form_classes
from .world import row_counts

# Forms that no page of the fixture world shows, with the reason. Keep it short: a form
# missing here and from the crawl fails test_every_form_is_fuzzed.
NOT_REACHED: dict[str, str] = {}

HANGUL = st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3)
CONTROL = st.sampled_from(["\x00", "\x01", "\x08", "\x0b", "\x1b", "\x7f", "\u202e", "\ufeff", "\ud7ff", "\r", "\n"])
NASTY_TEXT = st.one_of(
    st.text(alphabet=st.one_of(HANGUL, CONTROL, st.characters()), max_size=60),
    st.builds(
        lambda c, n: c * n,
        st.sampled_from(["가", "a", "9", "<", "'", "\x00"]),
        st.sampled_from([255, 1001, 20_000, 200_000]),
    ),
    st.sampled_from(
        [
            "",
            " ",
            "null",
            "None",
            "true",
            "[]",
            "{}",
            "-1",
            "0",
            "1e309",
            "NaN",
            "9" * 40,
            "2026-02-30",
            "../../etc/passwd",
            "<script>alert(1)</script>",
            "' OR 1=1 --",
            "900101-1234567",
            "０１０",
            "١٢٣",
        ]
    ),
)


def _pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=72, height=72)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


UPLOADS = st.one_of(
    st.binary(max_size=2048).map(lambda b: ("junk.bin", b)),
    st.just(("scan.pdf", None)),
    st.binary(max_size=64).map(lambda b: ("fake.pdf", b"%PDF-" + b)),
    st.just(("empty.png", b"")),
)


def _choices(field: forms.ChoiceField) -> list[tuple[Any, Any]]:
    """The field's choices, made a list (a ChoiceField normalises them when they are set)."""
    return list(cast("Iterable[tuple[Any, Any]]", field.choices))


def _valid(field: forms.Field, html_value: str | None):
    """Values the field should accept (the page's own value first)."""
    options: list[st.SearchStrategy[Any]] = []
    if html_value:
        options.append(st.just(html_value))
    if isinstance(field, forms.MultipleChoiceField):
        values = [str(v) for v, _label in _choices(field) if v not in ("", None)]
        if values:
            options.append(st.lists(st.sampled_from(values), max_size=3, unique=True))
    elif isinstance(field, forms.ChoiceField):
        values = [str(v) for v, _label in _choices(field) if not isinstance(_label, (list, tuple))]
        if values:
            options.append(st.sampled_from(values))
    elif isinstance(field, forms.BooleanField):
        options.append(st.sampled_from(["on", "true", "1"]))
    elif isinstance(field, (forms.IntegerField, forms.DecimalField, forms.FloatField)):
        options.append(st.integers(min_value=-10, max_value=10**6).map(str))
    elif isinstance(field, forms.DateField):
        options.append(st.dates(min_value=datetime.date(2000, 1, 1), max_value=datetime.date(2100, 1, 1)).map(str))
    elif isinstance(field, forms.EmailField):
        options.append(st.sampled_from(["a@example.org", "시민@example.org", "x@y"]))
    elif isinstance(field, forms.UUIDField):
        options.append(st.uuids().map(str))
    else:
        options.append(st.text(alphabet=st.one_of(HANGUL, st.characters(codec="utf-8")), max_size=40))
    return st.one_of(*options)


@st.composite
def submissions(draw, target):
    """A POST body (and files) for the target's form: each field valid, hostile, of the wrong
    type or missing; plus unexpected fields."""
    data, files = {}, {}
    for name, field in target.form.fields.items():
        key = target.form.add_prefix(name)
        html_value = target.html_values.get(key)
        if isinstance(field, forms.FileField):
            choice = draw(st.sampled_from(["file", "text", "missing"]))
            if choice == "file":
                filename, content = draw(UPLOADS)
                files[key] = SimpleUploadedFile(filename, content if content is not None else _pdf())
            elif choice == "text":
                data[key] = draw(NASTY_TEXT)
            continue
        choice = draw(st.sampled_from(["valid", "valid", "nasty", "list", "missing"]))
        if choice == "valid":
            data[key] = draw(_valid(field, html_value))
        elif choice == "nasty":
            data[key] = draw(NASTY_TEXT)
        elif choice == "list":
            data[key] = draw(st.lists(NASTY_TEXT, min_size=2, max_size=3))
        if isinstance(field, forms.MultiValueField) and key in data:
            value = data.pop(key)
            for index in range(len(field.fields)):
                data[f"{key}_{index}"] = value if isinstance(value, str) else str(value)
    extra = draw(
        st.dictionaries(st.text(alphabet="abcdefghijklmnop_", min_size=1, max_size=12), NASTY_TEXT, max_size=2)
    )
    for key, value in extra.items():
        data.setdefault(key, value)
    return data, files


def _clients(world) -> dict[str, Client]:
    citizen = Client()
    citizen.force_login(world.victim, backend="django.contrib.auth.backends.ModelBackend")
    pending = Client()
    pending.force_login(world.victim_official, backend="django.contrib.auth.backends.ModelBackend")
    enrolling = Client()
    enrolling.force_login(
        OfficialFactory.create(username="enrolling-official"), backend="django.contrib.auth.backends.ModelBackend"
    )
    newcomer = Client()
    newcomer.force_login(
        CitizenFactory.create(username="newcomer-citizen"), backend="django.contrib.auth.backends.ModelBackend"
    )
    return {
        "anonymous": Client(),
        "citizen": citizen,
        "citizen, identity not confirmed": newcomer,
        "official, second factor pending": pending,
        "official without a device": enrolling,
        "supervisor": login_verified(Client(), world.victim_supervisor),
    }


OWNERS = {"citizen", "supervisor"}  # the users with petitions of their own (or of their office)


@pytest.fixture
def crawl(world, settings):
    # Login throttling would answer every example after the fifth with the lock-out page;
    # it has its own tests (tests/portal/test_accounts.py).
    settings.AXES_ENABLED = False
    from tests.factories import TOTPDeviceFactory

    TOTPDeviceFactory(user=world.victim_official)
    clients = _clients(world)
    return clients, discover_targets(clients, world, owners=OWNERS)


def test_every_form_survives_hostile_input_without_partial_writes(crawl):
    clients, targets = crawl
    fuzzed = {f"{t.form_class.__module__}.{t.form_class.__qualname__}" for t in targets}
    missing = [
        f"{cls.__module__}.{cls.__qualname__}"
        for cls in project_form_classes()
        if f"{cls.__module__}.{cls.__qualname__}" not in fuzzed | set(NOT_REACHED)
    ]
    assert not missing, (
        f"No page of the fixture world shows these forms, so they are not fuzzed: {missing}. "
        f"Extend tests/security/world.py, or list them in NOT_REACHED with the reason."
    )
    problems = []
    for target in targets:
        client = clients[target.user]

        @settings(
            max_examples=15,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=[
                HealthCheck.function_scoped_fixture,
                HealthCheck.too_slow,
                HealthCheck.data_too_large,
            ],
        )
        @given(submission=submissions(target))
        def fuzz(submission):
            data, files = submission
            before = row_counts()
            if target.method == "GET":
                response = client.get(target.url, data)
            else:
                for upload in files.values():
                    upload.seek(0)
                response = client.post(target.url, {**data, **files})
            assert response.status_code < 500, f"{target.label}: {response.status_code} for {data!r}"[:2000]
            if response.status_code >= 400 or (response.status_code == 200 and _refused(response)):
                assert row_counts() == before, f"{target.label}: a refused submission wrote rows ({data!r})"[:2000]

        started = time.monotonic()
        try:
            fuzz()
        except AssertionError as exc:
            problems.append(str(exc))
        print(f"{time.monotonic() - started:6.2f}s {target.label}")
    assert not problems, "\n".join(problems)


def _refused(response) -> bool:
    """The page came back with a form that has errors."""
    return any(
        isinstance(value, forms.BaseForm) and value.is_bound and value.errors for value in context_values(response)
    )
