"""Database-level refusal of UPDATE and DELETE on evidence and audit tables.

The application never rewrites these rows; the triggers make the database say no as well, so
a stray script or a hand-typed SQL statement cannot quietly change history. Only a deliberate
act (dropping the trigger) can, and ``guowen verify`` then finds what changed.
"""

from __future__ import annotations

from alembic import op

MESSAGE = "append-only table: UPDATE and DELETE are refused"


def _sqlite(table: str) -> list[str]:
    return [
        f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table}: {MESSAGE}'); END",
        f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table}: {MESSAGE}'); END",
    ]


def _postgresql(table: str) -> list[str]:
    return [
        "CREATE OR REPLACE FUNCTION guowen_refuse_change() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN "
        f"RAISE EXCEPTION '%: {MESSAGE}', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege'; "
        "END $$",
        f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION guowen_refuse_change()",
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION guowen_refuse_change()",
    ]


def trigger_names(dialect: str, table: str) -> list[str]:
    if dialect == "sqlite":
        return [f"{table}_no_update", f"{table}_no_delete"]
    return [f"{table}_no_change", f"{table}_no_truncate"]


def make_append_only(table: str) -> None:
    """Create the refusing triggers on ``table`` (inside a migration)."""
    dialect = op.get_bind().dialect.name
    for statement in _sqlite(table) if dialect == "sqlite" else _postgresql(table):
        op.execute(statement)


def drop_append_only(table: str) -> None:
    dialect = op.get_bind().dialect.name
    for name in trigger_names(dialect, table):
        op.execute(f"DROP TRIGGER {name}" + ("" if dialect == "sqlite" else f" ON {table}"))
