"""Where a record's written originals went when Art. 5 no longer puts them in the main file.

Art. 4 files an external cadre's written originals in the case's sub-file (副卷) and has the
judge record where each went; Art. 5 files a reference opinion's materials in the main file
(正卷). The source answered as a reference opinion therefore sets the main file itself, over
whatever the judge had answered (``handlers.fields``' source parser). The main file is never
an answer for an external inquiry: when the source is answered back, the judge's own answer
that Art. 5 replaced comes back, where the judge gave one for the channel the record has;
otherwise the question is asked again.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage import records as records_repo
from storage.models import Record, RecordAmendment
from storage.vocabulary import OriginalsDestination

ANSWERS = frozenset(
    {
        OriginalsDestination.SUB_FILE,
        OriginalsDestination.ELSEWHERE,
        OriginalsDestination.NO_ORIGINAL,
    }
)
"""The destinations a judge answers (Art. 4); the main file is Art. 5's, never answered."""

COLUMNS = ("originals_destination", "originals_note")
"""The columns Art. 5's main file sets: the destination, and no note of another place."""


def set_by_art5(record: Record) -> bool:
    """Whether ``record``'s originals are in the main file: only Art. 5 puts them there."""
    return record.originals_destination == OriginalsDestination.MAIN_FILE


def _value(stored: str) -> Any:
    return json.loads(stored)


def _main_file_set(history: list[RecordAmendment]) -> int | None:
    """The index in ``history`` of the latest correction that put the originals in the main
    file, or None (the source was a reference opinion from the first answer)."""
    for index in range(len(history) - 1, -1, -1):
        change = history[index]
        if (
            change.field == COLUMNS[0]
            and _value(change.new_value) == OriginalsDestination.MAIN_FILE
        ):
            return index
    return None


async def before_art5(session: AsyncSession, record: Record) -> dict[str, Any]:
    """The originals' columns (``COLUMNS``) of ``record`` once it is an external inquiry
    again: the destination and note the judge had answered before the correction that put
    them in the main file (read from its amendments, old values), when that answer is one a
    judge gives (``ANSWERS``) and the channel was not corrected since (an answer for a letter
    is no answer for a WeChat message); otherwise both None, so that the question is asked.
    Only for a record whose originals Art. 5 set (``set_by_art5``)."""
    unknown: dict[str, Any] = dict.fromkeys(COLUMNS)
    if record.id is None:
        return unknown
    history = list(await records_repo.amendments(session, record.id))
    index = _main_file_set(history)
    if index is None:
        return unknown
    change, later = history[index], history[index + 1 :]
    if any(amendment.field == "channel" for amendment in later):
        return unknown
    old = _value(change.old_value)
    if old not in ANSWERS:
        return unknown
    note = None
    if old == OriginalsDestination.ELSEWHERE and later and later[0].field == COLUMNS[1]:
        note = _value(later[0].old_value)  # cleared by the same answer, kept next to it
    return {COLUMNS[0]: OriginalsDestination(old), COLUMNS[1]: note}
