"""Bulk loading of the generated registers: COPY on PostgreSQL, bulk_create elsewhere.

Blocks are loaded in chunks, each chunk in one transaction together with its
``RegisterBlock`` rows, so an interrupted load resumes where it stopped and a second run
with the same numbers changes nothing.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor

from django.db import connection, transaction

from . import models
from .registers import BLOCK_SIZE, MAX_BLOCKS, TABLE_ORDER, TABLES, Block, DemoOverride, generate_block

DEFAULT_SEED = 20_261_127
CHUNK_BLOCKS = 20  # 10,000 residents per transaction

MODELS = {
    "parcel": models.Parcel,
    "mortgage": models.Mortgage,
    "building": models.Building,
    "household": models.Household,
    "resident": models.Resident,
    "addresshistory": models.AddressHistory,
    "familyrelation": models.FamilyRelation,
    "vehicle": models.Vehicle,
    "taxrecord": models.TaxRecord,
    "refund": models.Refund,
    "healthinsurance": models.HealthInsurance,
    "militaryrecord": models.MilitaryRecord,
    "business": models.Business,
    "incomerecord": models.IncomeRecord,
}


class SeedMismatch(ValueError):
    """The registers hold blocks generated from another seed."""


def _json_columns() -> dict[str, tuple[int, ...]]:
    from django.db.models import JSONField

    result = {}
    for name, columns in TABLES.items():
        model = MODELS[name]
        indexes = []
        for index, column in enumerate(columns):
            field = next(f for f in model._meta.concrete_fields if f.attname == column)
            if isinstance(field, JSONField):
                indexes.append(index)
        result[name] = tuple(indexes)
    return result


def blocks_for(residents: int) -> int:
    if residents < 0:
        raise ValueError("The number of residents cannot be negative.")
    blocks = math.ceil(residents / BLOCK_SIZE)
    if blocks > MAX_BLOCKS:
        raise ValueError(f"At most {MAX_BLOCKS * BLOCK_SIZE:,} residents can be generated.")
    return blocks


def registers_load(
    *,
    residents: int,
    seed: int = DEFAULT_SEED,
    demo: tuple[DemoOverride, ...] = (),
    stdout=None,
    chunk_blocks: int = CHUNK_BLOCKS,
) -> int:
    """Loads blocks until the registers hold at least ``residents`` residents; returns residents added."""
    wanted = blocks_for(residents)
    loaded = dict(models.RegisterBlock.objects.values_list("number", "seed"))
    other_seeds = {value for value in loaded.values() if value != seed}
    if other_seeds:
        raise SeedMismatch(
            f"The sandbox registers were generated with seed {sorted(other_seeds)[0]}, not {seed}; "
            f"flush the sandbox tables before loading another seed."
        )
    missing = [number for number in range(wanted) if number not in loaded]
    if not missing:
        return 0
    progress = _Progress(stdout, total=len(missing) * BLOCK_SIZE)
    writer = _copy_chunk if connection.vendor == "postgresql" else _bulk_create_chunk
    json_columns = _json_columns()
    chunks = [missing[start : start + chunk_blocks] for start in range(0, len(missing), chunk_blocks)]
    added = 0
    # Generating the next chunk (Python) overlaps with the database taking in this one.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sandbox-generate") as pool:
        pending = pool.submit(_generate_chunk, seed, chunks[0], demo)
        for index in range(len(chunks)):
            blocks = pending.result()
            if index + 1 < len(chunks):
                pending = pool.submit(_generate_chunk, seed, chunks[index + 1], demo)
            with transaction.atomic():
                writer(blocks, json_columns)
                models.RegisterBlock.objects.bulk_create(
                    [
                        models.RegisterBlock(number=block.number, seed=seed, residents=block.residents)
                        for block in blocks
                    ]
                )
            added += sum(block.residents for block in blocks)
            progress.update(added)
    progress.finish()
    return added


def _generate_chunk(seed: int, numbers: list[int], demo: tuple[DemoOverride, ...]) -> list[Block]:
    return [generate_block(seed, number, demo) for number in numbers]


def _copy_chunk(blocks: list[Block], json_columns: dict[str, tuple[int, ...]]) -> None:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        # A sandbox register can be regenerated from its seed: no need to wait for the WAL flush.
        cursor.execute("SET LOCAL synchronous_commit TO OFF")
        raw = cursor.cursor  # the psycopg 3 cursor under Django's wrapper
        for name in TABLE_ORDER:
            columns = TABLES[name]
            table = MODELS[name]._meta.db_table
            sql = f"COPY {quote(table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
            json_indexes = json_columns[name]
            with raw.copy(sql) as copy:
                write_row = copy.write_row
                for block in blocks:
                    rows: Iterable[tuple] = block.rows[name]
                    if json_indexes:
                        rows = (_dump_json(row, json_indexes) for row in rows)
                    for row in rows:
                        write_row(row)


def _dump_json(row: tuple, indexes: tuple[int, ...]) -> tuple:
    values = list(row)
    for index in indexes:
        values[index] = json.dumps(values[index], ensure_ascii=False)
    return tuple(values)


def _bulk_create_chunk(blocks: list[Block], json_columns: dict[str, tuple[int, ...]]) -> None:
    for name in TABLE_ORDER:
        model = MODELS[name]
        columns = TABLES[name]
        objects = [model(**dict(zip(columns, row, strict=True))) for block in blocks for row in block.rows[name]]
        model._default_manager.bulk_create(objects, batch_size=500)


class _Progress:
    """A progress bar on stdout (redrawn in place on a terminal, a line per step otherwise)."""

    WIDTH = 30

    def __init__(self, stdout, *, total: int, clock: Callable[[], float] = time.perf_counter):
        self.stdout = stdout
        self.total = total
        self.clock = clock
        self.started = clock()
        self.tty = bool(stdout is not None and getattr(stdout, "isatty", lambda: False)())

    def _write(self, text: str) -> None:
        if self.stdout is None:
            return
        try:
            self.stdout.write(text, ending="")
        except TypeError:
            self.stdout.write(text)
        flush = getattr(self.stdout, "flush", None)
        if flush:
            flush()

    def update(self, done: int) -> None:
        elapsed = max(self.clock() - self.started, 1e-9)
        filled = int(self.WIDTH * done / max(self.total, 1))
        bar = "█" * filled + "·" * (self.WIDTH - filled)
        line = f"  [{bar}] {done:,}/{self.total:,} residents, {done / elapsed:,.0f}/s"
        self._write(("\r" + line) if self.tty else (line + "\n"))

    def finish(self) -> None:
        if self.tty:
            self._write("\n")


def flush_registers() -> None:
    """Empties the registers (to load another seed); agencies, grants and fault settings stay."""
    tables = [MODELS[name]._meta.db_table for name in TABLE_ORDER] + [models.RegisterBlock._meta.db_table]
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Check references written earlier in this transaction now: TRUNCATE refuses to run
            # while deferred checks are pending.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("TRUNCATE " + ", ".join(connection.ops.quote_name(table) for table in tables))
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # back to how Django declares its foreign keys
        else:
            for table in reversed(tables):
                cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")  # noqa: S608 (a model's table, quoted)
