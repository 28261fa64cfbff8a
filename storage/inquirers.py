"""What earlier records say of an inquirer of one name: the units and positions written down.

Only records the asking handler may open (``storage.records.can_view``) are read: a name is
no identity, and another division's record is not the handler's to see. What is found is
only ever offered as a one-press answer to the unit or position question, never taken
unasked: two cadres may share a name. Drafts are not read (they are unchecked and private
to their handler); an amendment updates the record, so what is offered follows it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from storage.models import Record, Staff
from storage.records import VISIBLE, visible_to
from storage.vocabulary import RecordKind, RecordStatus

MAX_OFFERED = 3
"""At most this many earlier answers are offered at one question (the latest first)."""


async def units(session: AsyncSession, viewer: Staff, name: str) -> list[str]:
    """The units recorded for an inquirer called ``name`` in submitted external records
    ``viewer`` may open, latest first, at most ``MAX_OFFERED``."""
    return await _earlier(session, _UNITS, {"name": name.strip()}, viewer)


async def positions(session: AsyncSession, viewer: Staff, name: str, unit: str) -> list[str]:
    """The positions recorded for ``name`` at ``unit``, as ``units`` reads them."""
    return await _earlier(session, _POSITIONS, {"name": name.strip(), "unit": unit.strip()}, viewer)


def _answers(
    column: InstrumentedAttribute[str | None], *where: ColumnElement[bool]
) -> Select[str | None]:
    """The ``column`` of the submitted external records of one inquirer's name the viewer may
    open (``storage.records.VISIBLE``), latest first: plain values, no ``Record`` loaded."""
    return (
        select(column)
        .where(
            Record.status == RecordStatus.SUBMITTED,
            Record.kind == RecordKind.EXTERNAL,
            Record.inquirer_name == bindparam("name"),
            Record.inquirer_unit.is_not(None),
            column.is_not(None),
            VISIBLE,
            *where,
        )
        .order_by(Record.submitted_at.desc(), Record.id.desc())
    )


_UNITS = _answers(Record.inquirer_unit)
_POSITIONS = _answers(Record.inquirer_position, Record.inquirer_unit == bindparam("unit"))


async def _earlier(
    session: AsyncSession,
    query: Select[str | None],
    where: dict[str, Any],
    viewer: Staff,
) -> list[str]:
    """The first ``MAX_OFFERED`` distinct values ``query`` reads, in its order."""
    connection = await session.connection()
    found: list[str] = []
    for (value,) in await connection.execute(query, {**where, **visible_to(viewer)}):
        if value and value not in found:
            found.append(value)
            if len(found) == MAX_OFFERED:
                break
    return found
