"""A database trigger refuses UPDATE of issued e-documents, below the ORM, for whatever
path a change might take (raw SQL, another application). Deleting stays possible: the
retention job deletes, and the model refuses every other path."""

from django.db import migrations

SQLITE_UP = """
CREATE TRIGGER documents_edocument_immutable BEFORE UPDATE ON documents_edocument
BEGIN SELECT RAISE(ABORT, 'issued e-documents are immutable'); END;
"""
SQLITE_DOWN = "DROP TRIGGER IF EXISTS documents_edocument_immutable;"

POSTGRES_UP = """
CREATE OR REPLACE FUNCTION documents_edocument_refuse_update() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'issued e-documents are immutable' USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER documents_edocument_immutable BEFORE UPDATE ON documents_edocument
FOR EACH ROW EXECUTE FUNCTION documents_edocument_refuse_update();
"""
POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS documents_edocument_immutable ON documents_edocument;
DROP FUNCTION IF EXISTS documents_edocument_refuse_update();
"""


def _run(sql_by_vendor):
    def run(apps, schema_editor):
        sql = sql_by_vendor.get(schema_editor.connection.vendor)
        if sql:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("documents", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP}),
            _run({"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN}),
        )
    ]
