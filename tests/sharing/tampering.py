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
