"""Bulk data of the load benchmarks, and the helper process of ``stack.py``.

``Generator`` and ``copy_rows`` write petitions (and their fetch rows) with PostgreSQL's COPY,
spread like a portal that has run for years: the official's office holding 40 %, 90 % decided,
10 % open with due dates from three days overdue to fifteen days ahead. Seeded, so the same
numbers give the same rows (``test_queue_bench.py`` uses them too).

Run as a module in a process with the stack's environment (``Stack.seed()`` / ``Stack.start()``)::

    python -m tests.bench.load.seed seed --residents 100000 --petitions 1000000   # DEBUG on
    python -m tests.bench.load.seed prepare --url http://127.0.0.1:PORT --sessions FILE   # DEBUG off

``seed`` migrates, loads the demo data with ``residents`` sandbox residents, one citizen account
per resident (the first ``POOL`` linked to their resident record, as after identity
verification), bench officials with a TOTP device, then the petitions; it is skipped when the
database holds a completed seed of the same size. ``prepare`` points the portal's agencies at the
running server and writes logged-in session cookies for the pool of citizens and the officials.
"""

from __future__ import annotations

import datetime
import json
import random
import sys
import time
import uuid

PETITION_COLUMNS = (
    "public_id",
    "petition_type_id",
    "applicant_id",
    "status",
    "wizard_step",
    "receipt_no",
    "office_id",
    "type_version",
    "type_snapshot",
    "applicant_details",
    "data",
    "consents",
    "declarations",
    "submit_token",
    "language",
    "submitted_at",
    "due_date",
    "suspended_days",
    "suspended_since",
    "decided_at",
    "assigned_to_id",
    "assigned_at",
    "created_at",
    "updated_at",
)
FETCH_COLUMNS = (
    "case_ref",
    "item_id",
    "office_id",
    "fields",
    "purpose_code",
    "subject_kind",
    "subject_encrypted",
    "subject_hash",
    "applicant_hash",
    "others_basis",
    "state",
    "attempts",
    "error_code",
    "error_detail",
    "txn_id",
    "fetched_at",
    "created_at",
    "updated_at",
)
BATCH = 100_000
POOL = 2_000  # citizens with a resident link and a session: the locust citizens
OFFICIALS_PER_OFFICE = 6
MARKER_TABLE = "load_bench_seed"


class Generator:
    """Rows of petitions (and fetches of the official's office's open ones), seeded."""

    def __init__(self, *, offices, official_office, petition_type, applicants, officials, items, petition_types=None):
        from django.utils import timezone

        from petitions.calendar import local_today

        self.random = random.Random(20261127)
        self.offices = offices
        self.official_office = official_office
        self.petition_type = petition_type
        self.petition_types = list(petition_types or [petition_type])
        self.applicants = applicants
        self.officials = officials
        self.items = items
        self.today = local_today()
        self.now = timezone.now()
        self.snapshots = {
            t.pk: json.dumps(
                {"version": 1, "name_ko": t.name_ko, "name_en": t.name_en, "fields": [], "required_information": []},
                ensure_ascii=False,
            )
            for t in self.petition_types
        }

    def rows(self, start: int, stop: int):
        """(petition row, [fetch rows]) for receipt numbers start..stop-1."""
        from petitions.models import Petition

        S = Petition.Status
        # Not "collecting": it lasts seconds (until the fetches settle), and a petition collecting
        # with no fetch pending is what beat's sweep moves on to review.
        open_statuses = [S.SUBMITTED, S.UNDER_REVIEW, S.UNDER_REVIEW, S.SUPPLEMENT_REQUESTED, S.SUPPLEMENT_SUBMITTED]
        rnd = self.random
        several_types = len(self.petition_types) > 1
        for i in range(start, stop):
            office = self.official_office if rnd.random() < 0.4 else rnd.choice(self.offices)
            roll = rnd.random()
            if roll < 0.10:
                status = open_statuses[int(roll * 50) % 5]
                submitted = self.now - datetime.timedelta(minutes=rnd.randint(0, 21 * 24 * 60))
                due = self.today + datetime.timedelta(days=rnd.randint(-3, 15))
                decided = None
            else:
                status = S.APPROVED if roll < 0.85 else (S.REJECTED if roll < 0.95 else S.WITHDRAWN)
                submitted = self.now - datetime.timedelta(minutes=rnd.randint(21 * 24 * 60, 5 * 365 * 24 * 60))
                due = submitted.date() + datetime.timedelta(days=14)
                decided = submitted + datetime.timedelta(days=rnd.randint(1, 14))
            assignee = rnd.choice(self.officials) if office == self.official_office and rnd.random() < 0.6 else None
            petition_type = rnd.choice(self.petition_types) if several_types else self.petition_type
            receipt_no = f"{2000 + i // 9_000_000:04d}-{i % 9_000_000:07d}"
            name = f"시민{i % 9973}"
            petition = (
                str(uuid.UUID(int=rnd.getrandbits(128), version=4)),
                petition_type.pk,
                self.applicants[i % len(self.applicants)],
                status,
                "review",
                receipt_no,
                office.pk,
                1,
                self.snapshots[petition_type.pk],
                json.dumps({"name": name, "phone": "010-0000-0000"}, ensure_ascii=False),
                "{}",
                "{}",
                "{}",
                str(uuid.UUID(int=rnd.getrandbits(128), version=4)),
                "ko",
                submitted,
                due,
                0,
                None,
                decided,
                assignee,
                submitted if assignee else None,
                submitted,
                decided or submitted,
            )
            fetches = []
            if status in open_statuses and office == self.official_office:
                for item in self.items:
                    state = "fetched" if rnd.random() < 0.9 else rnd.choice(["failed", "refused", "retrying"])
                    fetches.append(
                        (
                            receipt_no,
                            item.pk,
                            office.pk,
                            '["name"]',
                            "P-BENCH",
                            item.subject_kind,
                            "x",
                            f"h{i}",
                            "",
                            "",
                            state,
                            1,
                            "" if state == "fetched" else "timeout",
                            "",
                            str(uuid.uuid4()),
                            submitted if state == "fetched" else None,
                            submitted,
                            submitted,
                        )
                    )
            yield petition, fetches


def copy_rows(start: int, stop: int, generator: Generator, *, progress=None) -> None:
    """COPYs petitions start..stop-1 (and their fetch rows) in batches, then VACUUM ANALYZE."""
    from django.db import connection

    petition_sql = f"COPY petitions_petition ({', '.join(PETITION_COLUMNS)}) FROM STDIN"
    fetch_sql = f"COPY sharing_fetchrequest ({', '.join(FETCH_COLUMNS)}) FROM STDIN"
    for batch_start in range(start, stop, BATCH):
        batch_stop = min(stop, batch_start + BATCH)
        fetch_rows = []
        with connection.cursor() as cursor:
            with cursor.copy(petition_sql) as copy:
                for petition, fetches in generator.rows(batch_start, batch_stop):
                    copy.write_row(petition)
                    fetch_rows.extend(fetches)
            with cursor.copy(fetch_sql) as copy:
                for row in fetch_rows:
                    copy.write_row(row)
        if progress:
            progress(batch_stop, stop)
        else:
            print(f"  inserted petitions {batch_stop:,} / {stop:,}", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE petitions_petition")
        cursor.execute("VACUUM ANALYZE sharing_fetchrequest")


class Progress:
    """A one-line progress bar on the terminal: label, bar, count, rate."""

    def __init__(self, label: str, total: int):
        self.label, self.total, self.started = label, total, time.monotonic()

    def __call__(self, done: int, total: int | None = None) -> None:
        total = total or self.total
        width = 30
        filled = int(width * done / max(1, total))
        rate = done / max(1e-6, time.monotonic() - self.started)
        end = "\n" if done >= total else ""
        sys.stdout.write(
            f"\r  {self.label:<12} [{'#' * filled}{'.' * (width - filled)}] {done:>11,} / {total:,}  {rate:,.0f}/s{end}"
        )
        sys.stdout.flush()


# --- the seed step (DEBUG on) -------------------------------------------------------------


def _marker(cursor) -> dict | None:
    cursor.execute(
        f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (id int PRIMARY KEY, info jsonb NOT NULL, "
        "seeded_at timestamptz NOT NULL DEFAULT now())"
    )
    cursor.execute(f"SELECT info FROM {MARKER_TABLE} WHERE id = 1")
    row = cursor.fetchone()
    if row is None:
        return None
    return row[0] if isinstance(row[0], dict) else json.loads(row[0])


def seed(*, residents: int, petitions: int, citizens: int | None = None) -> None:
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connection, transaction
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from petitions.identity import resident_link_set
    from petitions.models import Petition, PetitionType
    from portal.demo import DEMO_PASSWORD, demo_totp_key_hex
    from portal.models import Office, OfficeMembership, User
    from sharing.sandbox.identity import sandbox_register_lookup

    citizens = citizens or residents
    wanted = {"residents": residents, "petitions": petitions, "citizens": citizens, "pool": POOL, "version": 1}
    from sharing import keys

    call_command("migrate", "--noinput", verbosity=0)
    keys.signing_keys(), keys.encryption_keys()  # the portal's key files (DEBUG on generates them)
    with connection.cursor() as cursor:
        found = _marker(cursor)
    if found == wanted:
        print(
            f"[seed] the database holds the seed already ({residents:,} residents, {petitions:,} petitions, "
            f"{citizens:,} citizens): skipped (LOAD_BENCH_RESEED=1 seeds again)",
            flush=True,
        )
        return
    if found is not None or Petition.objects.exists():
        raise SystemExit(f"[seed] the database holds other data ({found}); reseed it (LOAD_BENCH_RESEED=1)")
    started = time.monotonic()
    print(f"[seed] demo data with {residents:,} sandbox residents", flush=True)
    call_command("seed_demo", residents=residents)

    # One citizen account per resident, all with the demo password (hashed once).
    from sharing.sandbox.models import Resident

    password = make_password(DEMO_PASSWORD)
    bar = Progress("citizens", citizens)
    created = 0
    now = datetime.datetime.now(datetime.UTC)
    while created < citizens:
        chunk = min(10_000, citizens - created)
        User.objects.bulk_create(
            [
                User(
                    username=f"load-c{n:06d}",
                    password=password,
                    role=User.Role.CITIZEN,
                    full_name=f"시민{n}",
                    email="",
                    date_joined=now,
                    is_active=True,
                )
                for n in range(created, created + chunk)
            ],
            batch_size=5_000,
        )
        created += chunk
        bar(created)
    applicants = list(
        User.objects.filter(username__startswith="load-c").order_by("username").values_list("pk", flat=True)
    )
    # The pool: linked to their resident record, as after identity verification.
    bar = Progress("links", POOL)
    pool_users = list(User.objects.filter(username__startswith="load-c").order_by("username")[:POOL])
    people = list(Resident.objects.filter(synthetic=True).order_by("-id").values_list("rrn", flat=True)[:POOL])
    linked = 0
    with transaction.atomic():
        for user, rrn in zip(pool_users, people, strict=False):
            record = sandbox_register_lookup(rrn)
            if record is None:
                raise RuntimeError(f"the sandbox register has no resident {rrn}")
            resident_link_set(user=user, record=record)
            user.full_name = record.name
            user.save(update_fields=["full_name"])
            linked += 1
            if linked % 200 == 0:
                bar(linked)
    bar(POOL)

    # Officials: OFFICIALS_PER_OFFICE per office (one supervisor), each with the demo TOTP device.
    offices = list(Office.objects.order_by("pk"))
    key = demo_totp_key_hex()
    official_ids: dict[int, list[int]] = {}
    for office in offices:
        for n in range(OFFICIALS_PER_OFFICE):
            user = User.objects.create(
                username=f"load-o-{office.code}-{n}",
                password=password,
                role=User.Role.OFFICIAL,
                full_name=f"담당{n}",
                email=f"load-o-{office.code}-{n}@example.go.kr",
                staff_number=f"L-{n}",
            )
            OfficeMembership.objects.create(
                user=user,
                office=office,
                role=(OfficeMembership.Role.SUPERVISOR if n == 0 else OfficeMembership.Role.REVIEWER),
            )
            TOTPDevice.objects.create(user=user, name="load bench", key=key, confirmed=True)
            official_ids.setdefault(office.pk, []).append(user.pk)

    # The petitions: the history of every office, the official's office (jongno) holding 40 %.
    petition_types = list(PetitionType.objects.filter(active=True).order_by("pk"))
    official_office = next(o for o in offices if o.code == "jongno")
    generator = Generator(
        offices=offices,
        official_office=official_office,
        petition_type=petition_types[0],
        petition_types=petition_types,
        applicants=applicants,
        officials=official_ids[official_office.pk],
        items=[],
    )
    copy_rows(0, petitions, generator, progress=Progress("petitions", petitions))
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE portal_user")
        cursor.execute(f"INSERT INTO {MARKER_TABLE} (id, info) VALUES (1, %s)", [json.dumps(wanted)])
    print(f"[seed] done in {time.monotonic() - started:.0f} s", flush=True)


# --- the prepare step (DEBUG off, the production settings) ---------------------------------


def prepare(*, url: str, sessions_path: str) -> None:
    """Points the agencies at the server; writes logged-in sessions of the bench accounts."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.base import VALID_KEY_CHARS
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone
    from django.utils.crypto import get_random_string
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from petitions.models import PetitionType
    from portal.middleware import STAFF_SESSION_STARTED_KEY
    from portal.models import OfficeMembership, User
    from sharing.sandbox.demo import portal_agencies_configure

    portal_agencies_configure(base_url=url)
    Session.objects.filter(expire_date__lt=timezone.now()).delete()
    backend = "django.contrib.auth.backends.ModelBackend"

    pending: list[Session] = []
    expire = timezone.now() + datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE)

    def session_for(user, **extra) -> str:
        store = SessionStore()
        data = {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: backend,
            HASH_SESSION_KEY: user.get_session_auth_hash(),
            **extra,
        }
        key = get_random_string(32, VALID_KEY_CHARS)
        pending.append(Session(session_key=key, session_data=store.encode(data), expire_date=expire))
        return key

    citizens = [
        {"username": user.username, "session": session_for(user)}
        for user in User.objects.filter(username__startswith="load-c", resident_link__isnull=False).order_by(
            "username"
        )[:POOL]
    ]
    officials = []
    for membership in (
        OfficeMembership.objects.filter(user__username__startswith="load-o-")
        .select_related("user", "office")
        .order_by("office__code", "user__username")
    ):
        user = membership.user
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        officials.append(
            {
                "username": user.username,
                "office": membership.office.code,
                "role": membership.role,
                "session": session_for(
                    user, **{DEVICE_ID_SESSION_KEY: device.persistent_id, STAFF_SESSION_STARTED_KEY: int(time.time())}
                ),
            }
        )
    Session.objects.bulk_create(pending, batch_size=1_000)
    types = list(PetitionType.objects.filter(active=True).order_by("slug").values_list("slug", flat=True))
    payload = {
        "url": url,
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "csrf_cookie": settings.CSRF_COOKIE_NAME,
        "citizens": citizens,
        "officials": officials,
        "petition_types": types,
    }
    with open(sessions_path, "w") as handle:
        json.dump(payload, handle)
    print(f"[prepare] agencies at {url}; sessions: {len(citizens)} citizens, {len(officials)} officials", flush=True)


def main(argv: list[str]) -> None:
    import argparse

    import django

    parser = argparse.ArgumentParser(prog="python -m tests.bench.load.seed")
    sub = parser.add_subparsers(dest="command", required=True)
    p_seed = sub.add_parser("seed")
    p_seed.add_argument("--residents", type=int, default=100_000)
    p_seed.add_argument("--petitions", type=int, default=1_000_000)
    p_seed.add_argument("--citizens", type=int, default=None)
    p_prepare = sub.add_parser("prepare")
    p_prepare.add_argument("--url", required=True)
    p_prepare.add_argument("--sessions", required=True)
    args = parser.parse_args(argv)
    django.setup()
    if args.command == "seed":
        seed(residents=args.residents, petitions=args.petitions, citizens=args.citizens)
    else:
        prepare(url=args.url, sessions_path=args.sessions)


if __name__ == "__main__":
    main(sys.argv[1:])
