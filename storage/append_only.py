"""Database-level refusal of UPDATE and DELETE on evidence and audit tables.

The application never rewrites these rows; the triggers make the database say no as well, so
a stray script or a hand-typed SQL statement cannot quietly change history. Only a deliberate
act (dropping the trigger) can, and ``guowen verify`` then finds what changed.

``audit_head`` is the one row that must change (every append moves it), so it gets its own
guard: the row can be neither deleted nor doubled, and an UPDATE may only move it one step
forward, onto an event that exists and links to the old head. Rewinding the head, pointing it
at a forged hash or emptying the table is refused like any change to history.
"""

from __future__ import annotations

from alembic import op

MESSAGE = "append-only table: UPDATE and DELETE are refused"
HEAD = "audit_head"
HEAD_MESSAGE = "append-only head: it only moves one step forward onto a stored event"

_REFUSE_FUNCTION = (
    "CREATE OR REPLACE FUNCTION guowen_refuse_change() RETURNS trigger "
    "LANGUAGE plpgsql AS $$ BEGIN "
    f"RAISE EXCEPTION '%: {MESSAGE}', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege'; "
    "END $$"
)
# The condition under which an UPDATE of the head is an honest append.
_FORWARD = (
    "NEW.id = OLD.id AND NEW.seq = OLD.seq + 1 AND EXISTS (SELECT 1 FROM audit_events e "
    "WHERE e.seq = NEW.seq AND e.hash = NEW.hash AND e.prev_hash = OLD.hash)"
)


def _sqlite(table: str) -> list[str]:
    if table == HEAD:
        return [
            f"CREATE TRIGGER {HEAD}_no_delete BEFORE DELETE ON {HEAD} "
            f"BEGIN SELECT RAISE(ABORT, '{HEAD}: {HEAD_MESSAGE}'); END",
            f"CREATE TRIGGER {HEAD}_no_insert BEFORE INSERT ON {HEAD} "
            f"WHEN (SELECT count(*) FROM {HEAD}) > 0 "
            f"BEGIN SELECT RAISE(ABORT, '{HEAD}: {HEAD_MESSAGE}'); END",
            f"CREATE TRIGGER {HEAD}_forward_only BEFORE UPDATE ON {HEAD} "
            f"WHEN NOT ({_FORWARD}) "
            f"BEGIN SELECT RAISE(ABORT, '{HEAD}: {HEAD_MESSAGE}'); END",
        ]
    return [
        f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table}: {MESSAGE}'); END",
        f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table}: {MESSAGE}'); END",
    ]


def _postgresql(table: str) -> list[str]:
    if table == HEAD:
        return [
            _REFUSE_FUNCTION,
            "CREATE OR REPLACE FUNCTION guowen_head_forward() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN "
            f"IF TG_OP = 'UPDATE' THEN IF {_FORWARD} THEN RETURN NEW; END IF; "
            f"ELSIF TG_OP = 'INSERT' THEN IF NOT EXISTS (SELECT 1 FROM {HEAD}) THEN RETURN NEW; "
            "END IF; END IF; "
            f"RAISE EXCEPTION '%: {HEAD_MESSAGE}', TG_TABLE_NAME "
            "USING ERRCODE = 'insufficient_privilege'; "
            "END $$",
            f"CREATE TRIGGER {HEAD}_forward_only BEFORE INSERT OR UPDATE OR DELETE ON {HEAD} "
            "FOR EACH ROW EXECUTE FUNCTION guowen_head_forward()",
            f"CREATE TRIGGER {HEAD}_no_truncate BEFORE TRUNCATE ON {HEAD} "
            "FOR EACH STATEMENT EXECUTE FUNCTION guowen_refuse_change()",
        ]
    return [
        _REFUSE_FUNCTION,
        f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION guowen_refuse_change()",
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION guowen_refuse_change()",
    ]


def statements(dialect: str, table: str) -> list[str]:
    """The SQL that makes ``table`` append-only on ``dialect`` ("sqlite" or "postgresql")."""
    return _sqlite(table) if dialect == "sqlite" else _postgresql(table)


def trigger_names(dialect: str, table: str) -> list[str]:
    """The names of the triggers ``statements`` creates on ``table``."""
    if table == HEAD:
        if dialect == "sqlite":
            return [f"{HEAD}_no_delete", f"{HEAD}_no_insert", f"{HEAD}_forward_only"]
        return [f"{HEAD}_forward_only", f"{HEAD}_no_truncate"]
    if dialect == "sqlite":
        return [f"{table}_no_update", f"{table}_no_delete"]
    return [f"{table}_no_change", f"{table}_no_truncate"]


def make_append_only(table: str) -> None:
    """Create the refusing triggers on ``table`` (inside a migration)."""
    for statement in statements(op.get_bind().dialect.name, table):
        op.execute(statement)


def drop_append_only(table: str) -> None:
    """Drop the triggers ``make_append_only`` created (inside a migration's downgrade)."""
    dialect = op.get_bind().dialect.name
    for name in trigger_names(dialect, table):
        op.execute(f"DROP TRIGGER {name}" + ("" if dialect == "sqlite" else f" ON {table}"))
