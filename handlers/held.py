"""What a person still holds, in words: the list ``guowen staff disable`` refuses with, and
the notice its overseers get when the person is disabled all the same
(``reminders.holdings``)."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.i18n import join, t
from storage.models import Record
from storage.vocabulary import Language, Milestone, Role, label


def _title(language: Language, record: Record | None, record_id: int) -> str:
    if record is not None and record.number:
        return record.number
    return t(language, "card.draft_title", id=record_id)


async def lines(
    session: AsyncSession, language: Language, payload: Mapping[str, object], department: str
) -> list[str]:
    """One line per draft, per submitted record with the steps owed, and per role left
    without a holder, from ``payload`` (``reminders.holdings.Holdings.payload``'s shape:
    ``drafts`` ids, ``steps`` ``[record id, [milestone, ...]]``, ``roles``); ``department``:
    the person's, which an integrity officer's line names."""
    found: list[str] = []
    for raw in _list(payload.get("drafts")):
        record_id = int(str(raw))
        record = await session.get(Record, record_id)
        found.append(t(language, "held.draft", title=_title(language, record, record_id)))
    for item in _list(payload.get("steps")):
        record_id, owed = int(str(_list(item)[0])), _list(_list(item)[1])
        record = await session.get(Record, record_id)
        steps = join(language, [label(Milestone(str(m)), language) for m in owed])
        title = _title(language, record, record_id)
        found.append(t(language, "held.steps", title=title, steps=steps))
    for role in _list(payload.get("roles")):
        key = "held.last_officer" if role == Role.INTEGRITY_OFFICER else "held.last_role"
        found.append(t(language, key, role=label(Role(str(role)), language), department=department))
    return found


def person(language: Language, snapshot: object) -> str:
    """A person as ``storage.staff.snapshot`` keeps them (name, department, roles), in words:
    张伟（民事审判第一庭；案件承办人、部门廉政监察员）; ``-`` for what is not a snapshot."""
    if not isinstance(snapshot, Mapping):
        return "-"
    roles = [label(Role(str(role)), language) for role in _list(snapshot.get("roles"))]
    return t(
        language,
        "held.person",
        name=str(snapshot.get("name") or "-"),
        department=str(snapshot.get("department") or "-"),
        roles=join(language, roles) or t(language, "common.none"),
    )


def _list(value: object) -> list[object]:
    return list(value) if isinstance(value, (list, tuple)) else []
