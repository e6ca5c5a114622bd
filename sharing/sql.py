"""SQL without the ORM's per-query compilation, for the hot paths (fetching, the access log, the
sandbox agencies, the pages every request makes).

On the machines we measure on, compiling one ORM query costs 0.5-1.5 ms of CPU, more than
running it. ``PreparedRead`` lets the ORM compile a read once per process and sends it again with
new values; ``update``/``insert``/``fetchone``/``fetchall`` send plain, portable SQL (SQLite and
PostgreSQL). Values go through Django's own preparation (``get_db_prep_save``) and result
converters, so what is read and written is exactly what the ORM would read and write. On
PostgreSQL every statement is prepared once per connection (``cursor``).
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Callable

from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators

DEFAULT_DB = "default"


class _PreparingCursor:
    """psycopg's server-side binding cursor, each statement prepared by PostgreSQL on its first
    run and reused on that connection after it (the cache is psycopg's, per connection).

    Django sends every statement with its values inlined (client-side binding), so PostgreSQL
    parses and plans each one again: measured here, 0.2 ms of server CPU for a look-up that
    takes 0.03 ms once prepared. Django turns prepared statements off by default for the sake of
    transaction-pooling proxies; only these hand-written statements use them (README).
    """

    __slots__ = ("raw",)

    def __init__(self, raw):
        self.raw = raw

    def execute(self, statement, params=()):
        self.raw.execute(statement, params, prepare=True)

    def fetchone(self):
        return self.raw.fetchone()

    def fetchall(self):
        return self.raw.fetchall()

    @property
    def rowcount(self):
        return self.raw.rowcount

    @property
    def lastrowid(self):
        return None


@contextlib.contextmanager
def cursor(using: str = DEFAULT_DB):
    """A cursor for the hand-written statements: on PostgreSQL they are prepared (see
    ``_PreparingCursor``); elsewhere, or while Django records queries (tests, DEBUG), Django's own
    cursor, so query counts and logs see them as before."""
    connection = connections[using]
    if connection.vendor != "postgresql" or connection.queries_logged or connection.execute_wrappers:
        with connection.cursor() as plain:
            yield plain
        return
    from django.db.backends.postgresql.base import ServerBindingCursor

    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    with connection.wrap_database_errors, ServerBindingCursor(connection.connection) as raw:
        yield _PreparingCursor(raw)


def quoted(name: str, using: str = DEFAULT_DB) -> str:
    return connections[using].ops.quote_name(name)


# Values the ORM's preparation hands to the driver unchanged, for the fields they are given to.
_PASSED_AS_THEY_ARE = {
    str: ("CharField", "TextField", "SlugField"),
    int: (
        "BigIntegerField",
        "IntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "PositiveBigIntegerField",
        "SmallIntegerField",
        "BigAutoField",
        "AutoField",
        "ForeignKey",
    ),
}


def _prepared(field, value, connection):
    if value is None or field.get_internal_type() in _PASSED_AS_THEY_ARE.get(type(value), ()):
        return value
    return field.get_db_prep_save(value, connection=connection)


def update(model: type[Model], changes: dict, where: dict, *, using: str = DEFAULT_DB) -> int:
    """``UPDATE`` the rows of ``model`` whose fields equal ``where``; returns the number changed."""
    connection = connections[using]
    meta = model._meta
    sets, params = [], []
    for name, value in changes.items():
        field = meta.get_field(name)
        sets.append(f"{quoted(field.column, using)} = %s")
        params.append(_prepared(field, value, connection))
    conditions = []
    for name, value in where.items():
        field = meta.get_field(name)
        if value is None:
            conditions.append(f"{quoted(field.column, using)} IS NULL")
        else:
            conditions.append(f"{quoted(field.column, using)} = %s")
            params.append(_prepared(field, value, connection))
    statement = f"UPDATE {quoted(meta.db_table, using)} SET {', '.join(sets)} WHERE {' AND '.join(conditions)}"
    with cursor(using) as cursor_:
        cursor_.execute(statement, params)
        return cursor_.rowcount


@functools.cache
def _insert_statement(model: type[Model], using: str, returning: bool) -> tuple[str, tuple]:
    meta = model._meta
    fields = tuple(field for field in meta.concrete_fields if field is not meta.auto_field)
    columns = ", ".join(quoted(field.column, using) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    statement = f"INSERT INTO {quoted(meta.db_table, using)} ({columns}) VALUES ({placeholders})"
    if returning:
        statement += f" RETURNING {quoted(meta.pk.column, using)}"
    return statement, fields


def insert(instance: Model, *, using: str = DEFAULT_DB) -> Model:
    """``INSERT`` one new instance (its ``pre_save`` applied, as ``save()`` would) and set its key.

    Sends no signals: use it only for models that have no receivers of ``post_save``.
    """
    connection = connections[using]
    model = type(instance)
    returning = connection.features.can_return_columns_from_insert
    statement, fields = _insert_statement(model, using, returning)
    params = [_prepared(field, field.pre_save(instance, True), connection) for field in fields]
    with cursor(using) as cursor_:
        cursor_.execute(statement, params)
        key = cursor_.fetchone()[0] if returning else cursor_.lastrowid
    if model._meta.auto_field is not None:
        setattr(instance, model._meta.auto_field.attname, key)
    instance._state.adding = False
    instance._state.db = using
    return instance


def exists(statement: str, params, *, using: str = DEFAULT_DB) -> bool:
    return fetchone(statement, params, using=using) is not None


def fetchone(statement: str, params=(), *, using: str = DEFAULT_DB):
    with cursor(using) as cursor_:
        cursor_.execute(statement, params)
        return cursor_.fetchone()


def fetchall(statement: str, params=(), *, using: str = DEFAULT_DB) -> list:
    with cursor(using) as cursor_:
        cursor_.execute(statement, params)
        return cursor_.fetchall()


class PreparedRead:
    """A read the pages make on every request, its SQL compiled by the ORM once per process and
    database, then sent again with new values.

    On the machines we measure on, building and compiling an ORM query costs more CPU than running
    it (the petition with its type and office: ~1.2 ms, of which ~0.3 ms running it). ``build``
    returns the queryset for given values (ints and strings: the columns' own values, which the
    ORM passes to the database unchanged); it is compiled once with stand-in values, whose places
    among the parameters are then filled with the real ones. Rows become model instances the way
    the ORM's own iterable makes them (converters, ``select_related`` objects), so callers get
    what ``list(build(**values))`` would give. Only for querysets of model instances without
    annotations, prefetches or ``known related objects`` (related managers): set those yourself.
    """

    def __init__(self, build: Callable[..., QuerySet], **stand_ins: int | str):
        self.build = build
        self.stand_ins = stand_ins
        self._plans: dict[str, tuple] = {}
        self._lock = threading.Lock()

    def _plan(self, using: str) -> tuple:
        plan = self._plans.get(using)
        if plan is not None:
            return plan
        queryset = self.build(**self.stand_ins)
        assert not queryset._prefetch_related_lookups and not queryset._known_related_objects
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        assert not compiler.annotation_col_map
        slots = {}
        for name, value in self.stand_ins.items():
            places = [i for i, param in enumerate(params) if type(param) is type(value) and param == value]
            assert len(places) == 1, f"{name}: the stand-in value must appear once among the parameters"
            slots[name] = (places[0], type(value))
        select, klass_info = compiler.select, compiler.klass_info
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        converters = tuple(compiler.get_converters([col for col, *_ in select[: compiler.col_count]]).items())
        plan = (
            sql,
            tuple(params),
            slots,
            converters,
            klass_info["model"],
            start,
            end,
            [col.target.attname for col, *_ in select[start:end]],
            get_related_populators(klass_info, select, using),
        )
        with self._lock:
            self._plans.setdefault(using, plan)
        return plan

    def __call__(self, *, using: str = "default", **values: int | str) -> list:
        (sql, template, slots, converters, model, start, end, init_list, populators) = self._plan(using)
        params = list(template)
        for name, (place, kind) in slots.items():
            value = values[name]
            if type(value) is not kind:
                raise TypeError(f"{name} must be {kind.__name__}, not {type(value).__name__}")
            params[place] = value
        connection = connections[using]
        rows = fetchall(sql, params, using=using)  # prepared by PostgreSQL on first use
        objects = []
        for row in rows:
            if converters:  # as the compiler's apply_converters, with this thread's connection
                row = list(row)
                for position, (functions, expression) in converters:
                    value = row[position]
                    for function in functions:
                        value = function(value, expression, connection)
                    row[position] = value
            obj = model.from_db(using, init_list, row[start:end])
            for populator in populators:
                populator.populate(row, obj)
            objects.append(obj)
        return objects
