"""The court's directory of inquirers: who asked before, and their last unit and position.

A court-wide directory of four facts about a cadre (work unit, position, unit category,
retired), read from the records already submitted. It answers only those four, never which
case, which handler or when: a handler sees nothing of a record they may not open, and the
directory reveals nothing a cadre's own business card would not. Drafts are not read (they are
unchecked and private to their handler); an amendment updates the record, so the directory
follows it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Record
from storage.vocabulary import RecordKind, RecordStatus


@dataclass(frozen=True)
class KnownInquirer:
    """A cadre's last recorded unit, position, unit category (Art. 13) and retired flag."""

    unit: str
    position: str | None
    unit_category: str | None
    retired: bool | None


async def known(
    session: AsyncSession, name: str, *, unit: str | None = None
) -> list[KnownInquirer]:
    """Each unit ``name`` was last recorded at (with ``unit``: that one only), latest first.

    Several entries mean several people of that name (or a move): the caller asks the unit
    before proposing anything.
    """
    query = (
        select(
            Record.inquirer_unit,
            Record.inquirer_position,
            Record.unit_category,
            Record.retired,
        )
        .where(
            Record.status == RecordStatus.SUBMITTED,
            Record.kind == RecordKind.EXTERNAL,
            Record.inquirer_name == name.strip(),
            Record.inquirer_unit.is_not(None),
        )
        .order_by(Record.submitted_at.desc(), Record.id.desc())
    )
    if unit is not None:
        query = query.where(Record.inquirer_unit == unit.strip())
    found: dict[str, KnownInquirer] = {}
    for row_unit, position, category, retired in (await session.execute(query)).all():
        if row_unit is not None and row_unit not in found:
            found[row_unit] = KnownInquirer(row_unit, position, category, retired)
    return list(found.values())
