"""Edits the access log behind the application's back, as someone with database access could."""

from django.db import connection

from sharing.models import AccessLogEntry


def tamper_access_log_entry(entry_id: int, **changes) -> None:
    """Changes columns of one access-log row past the append-only guard (a PostgreSQL rule/trigger
    skipped with ``session_replication_role``, SQLite's trigger dropped)."""
    table = AccessLogEntry._meta.db_table
    assignments = ", ".join(f"{column} = %s" for column in changes)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        else:
            cursor.execute("DROP TRIGGER sharing_access_log_no_update")
        cursor.execute(f"UPDATE {table} SET {assignments} WHERE id = %s", [*changes.values(), entry_id])
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = origin")


def _unguarded(cursor) -> None:
    if connection.vendor == "postgresql":
        cursor.execute("SET LOCAL session_replication_role = replica")
    else:
        cursor.execute("DROP TRIGGER IF EXISTS sharing_access_log_no_update")


def _guarded(cursor) -> None:
    if connection.vendor == "postgresql":
        cursor.execute("SET LOCAL session_replication_role = origin")


def delete_access_log_entries(*sequences: int) -> None:
    """Deletes entries by sequence number, as the database's owner could."""
    table = AccessLogEntry._meta.db_table
    with connection.cursor() as cursor:
        _unguarded(cursor)
        cursor.execute(f"DELETE FROM {table} WHERE sequence IN ({', '.join(['%s'] * len(sequences))})", sequences)
        _guarded(cursor)


def rewrite_access_log_from(sequence: int, **changes) -> None:
    """Edits one entry and recomputes the hash chain from it to the end (the hash function is in
    the code): the chain verifies again."""
    from sharing.audit import entry_hash

    table = AccessLogEntry._meta.db_table
    entries = list(AccessLogEntry.objects.filter(sequence__gte=sequence).order_by("sequence"))
    previous = entries[0].previous_hash
    with connection.cursor() as cursor:
        _unguarded(cursor)
        for position, entry in enumerate(entries):
            if position == 0:
                for name, value in changes.items():
                    setattr(entry, name, value)
            entry.previous_hash = previous
            entry.entry_hash = entry_hash(entry)
            columns = {**(changes if position == 0 else {}), "previous_hash": previous, "entry_hash": entry.entry_hash}
            assignments = ", ".join(f"{column} = %s" for column in columns)
            cursor.execute(f"UPDATE {table} SET {assignments} WHERE id = %s", [*columns.values(), entry.pk])
            previous = entry.entry_hash
        _guarded(cursor)


def delete_checkpoints_after(tree_size: int) -> None:
    from sharing.models import AccessLogCheckpoint

    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {AccessLogCheckpoint._meta.db_table} WHERE tree_size > %s", [tree_size])


def empty_access_log() -> None:
    """Deletes every entry and every checkpoint from the database (before a forged log is written)."""
    from sharing.models import AccessLogCheckpoint

    with connection.cursor() as cursor:
        _unguarded(cursor)
        cursor.execute(f"DELETE FROM {AccessLogCheckpoint._meta.db_table}")
        cursor.execute(f"DELETE FROM {AccessLogEntry._meta.db_table}")
        _guarded(cursor)
