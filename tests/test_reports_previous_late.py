"""The comparison with the previous period says what the bot itself knows of that period.

The court begins to use the system on some day (its first audit event); records of the
previous period may have been registered late, after it. A previous period the system was
in use all through is compared with its count; one it came into use inside of is not
compared, said with the day; one that ended before it came into use, but whose records were
registered late since, is not compared, said with how many records the bot's own report of
that period counts, never "nothing registered". The summary document, the workbook, the
headline picture and the chat reply say it by one decision
(``reports.tables.no_comparison_words``).
"""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from test_reports_support import (
    BEIJING,
    fresh_database,
    local,
    make_record,
    open_court,
    report_examples,
    report_files,
    report_said,
)

from handlers.i18n import t
from reports.period import parse_period
from reports.text import tr
from storage.vocabulary import Language

NOW = local("2027-01-05 10:00")
PERIOD = parse_period("2026Q4", now=NOW, tz=BEIJING)
PREVIOUS = PERIOD.previous()


@report_examples(12)
# The trial: in use from 12-01, one record of 09-20 registered on 12-05.
@example(use_offset=153, received=[81], language=Language.ZH)
@example(use_offset=153, received=[], language=Language.ZH)  # nothing of Q3 at all
@example(use_offset=40, received=[10, 70], language=Language.EN)  # in use from inside Q3
@given(
    use_offset=st.integers(min_value=-20, max_value=160),
    received=st.lists(st.integers(min_value=0, max_value=91), max_size=3),
    language=st.sampled_from(list(Language)),
)
async def test_the_previous_period_is_compared_or_said_why_not_as_the_bot_knows_it(
    template_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    use_offset: int,
    received: list[int],
    language: Language,
) -> None:
    use_day = PREVIOUS.first + timedelta(days=use_offset)
    in_use = datetime.combine(use_day, time(9), tzinfo=BEIJING)
    folder = tmp_path / uuid.uuid4().hex
    async with fresh_database(template_url, tmp_path) as db:
        handler = (await open_court(db, in_use))["张伟"]
        for n, day in enumerate(received):
            at = datetime.combine(PREVIOUS.first + timedelta(days=day), time(10), tzinfo=BEIJING)
            at = min(at, datetime.combine(PREVIOUS.last, time(10), tzinfo=BEIJING))
            # Opened and registered once the system is in use: late, if received before.
            opened = max(at, in_use + timedelta(hours=1)) + timedelta(minutes=n)
            await make_record(db, handler, at, opened=opened, submit_after=opened - at)
        for n in range(2):
            await make_record(db, handler, local("2026-12-20 10:00") + timedelta(hours=n))
        said = await report_said(
            db, PERIOD, language=language, now=NOW, folder=folder, monkeypatch=monkeypatch
        )
        # What the bot's own report of the previous period counts now.
        earlier = await report_files(db, PREVIOUS, folder / "previous", now=NOW, language=language)
    counted = earlier.figures.counted
    assert counted == len(received)
    figures = said.files.figures
    previous = PREVIOUS.title(language)
    since = use_day.isoformat()
    places = said.places
    words = {
        "summary": "analysis.previous_unrecorded",
        "workbook": "report.change_unrecorded",
        "picture": "chart.previous_unrecorded",
    }
    nothing = [tr(language, key) for key in words.values()] + [
        t(language, "report.previous_unrecorded")
    ]
    if use_day <= PREVIOUS.first:  # in use all through: compared with its count
        assert figures.previous_external == counted
        assert not figures.previous_unrecorded
        return
    assert figures.previous_unrecorded and figures.previous_external is None
    if use_day <= PREVIOUS.last and counted:
        suffix, values = "_partly", {"previous": previous, "since": since}
    elif use_day > PREVIOUS.last and counted:
        suffix, values = "_late", {"previous": previous, "since": since, "count": counted}
    else:
        suffix, values = "", {}
    for place, key in words.items():
        assert tr(language, key + suffix, **values) in places[place], place
    assert t(language, "report.previous_unrecorded" + suffix, **values) in places["chat"]
    if counted:  # the bot counts records of it: never "nothing of it registered here"
        for place, text in places.items():
            for untrue in nothing:
                assert untrue not in text, (place, untrue)
