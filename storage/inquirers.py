"""What earlier records say of an inquirer of one name: the units and positions written down.

Only records the asking handler may open (``storage.records.can_view``) are read: a name is
no identity, and another division's record is not the handler's to see. What is found is
only ever offered as a one-press answer to the unit or position question, never taken
unasked: two cadres may share a name. Drafts are not read (they are unchecked and private
to their handler); an amendment updates the record, so what is offered follows it.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from storage.models import Record, Staff
from storage.records import can_view
from storage.vocabulary import RecordKind, RecordStatus

MAX_OFFERED = 3
"""At most this many earlier answers are offered at one question (the latest first)."""


async def units(session: AsyncSession, viewer: Staff, name: str) -> list[str]:
    """The units recorded for an inquirer called ``name`` in submitted external records
    ``viewer`` may open, latest first, at most ``MAX_OFFERED``."""
    return await _earlier(session, viewer, name, None)


async def positions(session: AsyncSession, viewer: Staff, name: str, unit: str) -> list[str]:
    """The positions recorded for ``name`` at ``unit``, as ``units`` reads them."""
    return await _earlier(session, viewer, name, unit)


async def _earlier(session: AsyncSession, viewer: Staff, name: str, unit: str | None) -> list[str]:
    query = (
        select(Record)
        .options(selectinload(Record.cosigners))
        .where(
            Record.status == RecordStatus.SUBMITTED,
            Record.kind == RecordKind.EXTERNAL,
            Record.inquirer_name == name.strip(),
            Record.inquirer_unit.is_not(None),
        )
        .order_by(Record.submitted_at.desc(), Record.id.desc())
    )
    if unit is not None:
        query = query.where(
            Record.inquirer_unit == unit.strip(), Record.inquirer_position.is_not(None)
        )
    found: list[str] = []
    for record in (await session.execute(query)).scalars():
        value = record.inquirer_unit if unit is None else record.inquirer_position
        if value and value not in found and can_view(viewer, record):
            found.append(value)
        if len(found) == MAX_OFFERED:
            break
    return found
