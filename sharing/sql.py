"""Hand-written SQL for the hot path of a fetch, where the ORM's query compilation dominates.

On the machines we measure on, compiling one ORM query costs 0.5-1.5 ms of CPU, more than
running it; a fetch makes about ten. These helpers send plain, portable SQL (SQLite and
PostgreSQL) and still go through Django's own value preparation (``get_db_prep_save``) and
result converters (``get_db_converters``), so the values read and written are exactly those the
ORM would read and write, model instances included. Only the fetch path and the access-log
append use them; everything else uses the ORM.
"""

from __future__ import annotations

import contextlib
import functools

from django.db import connections
from django.db.models import Model

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


def select_list(model: type[Model], alias: str, using: str = DEFAULT_DB) -> str:
    """The concrete columns of ``model`` in field order, qualified by ``alias``."""
    return ", ".join(f"{alias}.{quoted(field.column, using)}" for field in model._meta.concrete_fields)


@functools.cache
def _converters(model: type[Model], using: str) -> tuple:
    # As the ORM's compiler does: the backend's converters, then the field's own (from_db_value).
    connection = connections[using]
    result = []
    for field in model._meta.concrete_fields:
        column = field.get_col(model._meta.db_table)
        found = [*connection.ops.get_db_converters(column), *column.get_db_converters(connection)]
        result.append((column, tuple(found)))
    return tuple(result)


def instance_from_row(model: type[Model], values, *, using: str = DEFAULT_DB):
    """A model instance from the columns of ``select_list(model, ...)``, converted as the ORM would."""
    connection = connections[using]
    converted = []
    for value, (column, converters) in zip(values, _converters(model, using), strict=True):
        for converter in converters:
            value = converter(value, column, connection)
        converted.append(value)
    return model.from_db(using, [field.attname for field in model._meta.concrete_fields], converted)


# Values the ORM's preparation hands to the driver unchanged, for the fields they are given to.
_PASSED_AS_THEY_ARE = {
    str: ("CharField", "TextField", "SlugField"),
    int: ("BigIntegerField", "IntegerField", "PositiveIntegerField", "PositiveSmallIntegerField",
          "PositiveBigIntegerField", "SmallIntegerField", "BigAutoField", "AutoField", "ForeignKey"),
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
