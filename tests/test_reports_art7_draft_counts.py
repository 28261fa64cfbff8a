"""An Art. 7 count that holds unsubmitted drafts says so where it is given.

An open draft on the Art. 7 list (``reports.figures.on_art7_list``) is counted among the
main-leader and serious cases but in no count of records: the chat's opening sentence, the
summary's analysis sentence and the overview table (summary document and workbook) give
each Art. 7 count with how many of it are drafts, so "0 records, 1 involving a main leader"
never reads as one of none.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from test_reports_support import (
    fresh_database,
    local,
    make_record,
    open_court,
    report_examples,
    report_said,
)

from handlers.i18n import t
from reports.text import tr
from storage.vocabulary import Language

NOW = local("2026-12-31 18:00")


@report_examples(10)
@example(kinds=[(True, False, False)], language=Language.ZH)  # the trial: one draft only
@given(
    # Each record: main leader, serious, and whether it is submitted (else an open draft).
    kinds=st.lists(st.tuples(st.booleans(), st.booleans(), st.booleans()), max_size=4),
    language=st.sampled_from(list(Language)),
)
async def test_each_art7_count_says_how_many_of_it_are_drafts(
    template_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    kinds: list[tuple[bool, bool, bool]],
    language: Language,
) -> None:
    folder = tmp_path / uuid.uuid4().hex
    async with fresh_database(template_url, tmp_path) as db:
        handler = (await open_court(db, local("2026-10-01 09:00")))["张伟"]
        # As in the trial: an Art. 5 opinion, so the opening sentence gives the counts.
        await make_record(db, handler, local("2026-11-01 10:00"), kind="reference_opinion")
        for n, (main_leader, serious, submitted) in enumerate(kinds):
            await make_record(
                db,
                handler,
                local("2026-11-02 10:00") + timedelta(hours=n),
                submit_after=timedelta(hours=1) if submitted else None,
                main_leader=main_leader,
                serious=serious,
            )
        said = await report_said(
            db, "2026Q4", language=language, now=NOW, folder=folder, monkeypatch=monkeypatch
        )
    main = [submitted for leader, _, submitted in kinds if leader]
    grave = [submitted for _, serious, submitted in kinds if serious]
    counts = {
        "main_leader": (len(main), main.count(False)),
        "serious": (len(grave), grave.count(False)),
    }
    figures = said.files.figures
    assert (figures.main_leader, figures.main_leader_drafts) == counts["main_leader"]
    assert (figures.serious, figures.serious_drafts) == counts["serious"]
    # The chat's opening sentence: each count, and its drafts, together.
    opening = said.places["chat"].split("\n")[0]
    # The overview table: a count's drafts in the row right after it, by name.
    rows = list(said.headline)
    for key, (_, drafts) in counts.items():
        chat_words = t(language, "report.of_which_drafts", count=drafts)
        document_words = tr(language, "analysis.of_which_drafts", count=drafts)
        label = tr(language, f"report.headline.{key}")
        drafts_label = tr(language, f"report.headline.{key}_drafts")
        if drafts:
            assert chat_words in opening, (key, opening)
            assert document_words in said.places["summary"], key
            assert rows[rows.index(label) + 1] == drafts_label
            assert said.headline[drafts_label] == drafts
        else:
            assert drafts_label not in said.headline
