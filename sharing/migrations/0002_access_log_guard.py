"""A database-level guard: access log entries can be inserted, never updated (nor deleted on PostgreSQL).

SQLite's test flush empties tables with DELETE, so only updates are refused there; PostgreSQL
flushes with TRUNCATE, which row triggers do not see.
"""

from django.db import migrations

PG_FORWARD = [
    """
CREATE OR REPLACE FUNCTION sharing_access_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'access log entries are append-only';
END;
$$ LANGUAGE plpgsql""",
    """
CREATE TRIGGER sharing_access_log_no_update BEFORE UPDATE OR DELETE ON sharing_accesslogentry
    FOR EACH ROW EXECUTE FUNCTION sharing_access_log_append_only()""",
]
PG_BACKWARD = [
    "DROP TRIGGER IF EXISTS sharing_access_log_no_update ON sharing_accesslogentry",
    "DROP FUNCTION IF EXISTS sharing_access_log_append_only()",
]
SQLITE_FORWARD = [
    """
CREATE TRIGGER sharing_access_log_no_update BEFORE UPDATE ON sharing_accesslogentry
BEGIN SELECT RAISE(ABORT, 'access log entries are append-only'); END"""
]
SQLITE_BACKWARD = ["DROP TRIGGER IF EXISTS sharing_access_log_no_update"]


def _run(schema_editor, statements_by_vendor):
    for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement, params=None)


def forward(apps, schema_editor):
    _run(schema_editor, {"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD})


def backward(apps, schema_editor):
    _run(schema_editor, {"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD})


class Migration(migrations.Migration):
    dependencies = [("sharing", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
