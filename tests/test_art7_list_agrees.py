"""Art. 7: what the alerts tell the supervising offices and what the quarterly report lists
agree, for a submitted record, an open draft and a withdrawn one, flagged or not.

An upward alert says the record is on the list to report upward; an open draft stays on it
(named as an unsubmitted draft, 草稿 #N（未提交）) in the workbook's Art. 7 sheet, the summary
document's Art. 7 table and its count, whose text says how many are drafts; a withdrawn draft
leaves it (its alert was withdrawn); an unflagged record is never on it. The compiler's
quarter-end reminder names an open draft on the list as an Art. 7 case.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import docx
from dialogue import NO, SUBMIT, YES, Court, Press, phone_record
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from test_reports_support import BEIJING, COURT, RULES

from reminders.clock import FakeClock
from reports.period import parse_period
from reports.quarterly import build_report
from reports.tables import of_which_drafts
from reports.text import tr
from storage.db import Database
from storage.vocabulary import Language

FAST = settings(
    max_examples=12,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    # The examples share one court and database: each checks its own record, and the
    # whole list's counts, only; a draft left open is withdrawn once checked.
    phases=[Phase.explicit, Phase.generate],
)
WATCHERS = ("李刚", "刘洋", "陈静")
_examples = itertools.count(1)
_numbers = itertools.count(1)


def _art7_sheet(path: Path) -> list[str]:
    sheet = load_workbook(path, read_only=True)[tr(Language.ZH, "sheet.art7")]
    return [str(row[0]) for row in sheet.iter_rows(min_row=2, values_only=True) if row[0]]


def _docx(path: Path) -> tuple[str, list[str]]:
    document = docx.Document(str(path))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = [row.cells[0].text for table in document.tables for row in table.rows]
    return text, cells


@FAST
@given(
    end=st.sampled_from(["submit", "draft", "withdraw"]),
    main_leader=st.booleans(),
    serious=st.booleans(),
)
async def test_the_alerts_claim_and_the_reports_art7_list_agree(
    court: Court,
    db: Database,
    clock: FakeClock,
    tmp_path_factory: object,
    end: str,
    main_leader: bool,
    serious: bool,
) -> None:
    n = next(_examples)
    judge = court.chat("张伟")
    inquirer = f"张{n}号"
    script = phone_record(
        inquirer=inquirer,
        draft=n,
        main_leader=YES if main_leader else NO,
        serious=YES if serious else NO,
    )
    opened = await judge.act(script[0][0])
    # The newest draft: an earlier example's open draft may be named beside it.
    draft_id = max(int(d) for d in re.findall(r"草稿 #(\d+)", "\n".join(m.text for m in opened)))
    draft = f"草稿 #{draft_id}"
    for action, _ in script[1:-1]:
        await judge.act(action)
    title = draft
    if end == "submit":
        title = f"温法过问〔2026〕{next(_numbers)}号"
        await judge.act(Press(SUBMIT))
    elif end == "withdraw":
        await judge.act(f"/cancel 撤回{n}")

    try:
        heard = [m.text for m in court.chat("李刚").inbox() if f"过问人 {inquirer}（" in m.text]
        listed_words = ("已列入向上级党委、政法委和上级法院报送的名单", "情节严重的过问")
        claims = any(w in m for m in heard for w in listed_words)
        withdrawn = any(m.startswith(f"记录 {draft}（承办人 张伟）已撤回") for m in heard)
        claims_listed = claims and not withdrawn
        assert claims == (main_leader or serious), heard
        if main_leader and end == "draft":
            assert any(f"“{draft}（未提交）”" in m for m in heard), heard

        now = clock.now()
        out = Path(str(tmp_path_factory.mktemp(f"art7-{n}")))  # type: ignore[attr-defined]
        async with db.transaction() as session:
            files = await build_report(
                session,
                parse_period("2026Q1", now=now, tz=BEIJING),
                language=Language.ZH,
                tz=BEIJING,
                rules=RULES,
                now=now,
                out_dir=out,
                court_name=COURT,
            )
        name = tr(Language.ZH, "art7.draft_number", id=draft_id) if end == "draft" else title
        sheet = _art7_sheet(files.xlsx)
        text, cells = _docx(files.summary)
        assert (name in sheet) == claims_listed, (name, sheet, heard)
        assert (name in cells) == claims_listed, (name, cells)
        figures = files.figures
        drafts_listed = sum(r.draft for r in figures.art7)
        assert figures.art7_drafts == drafts_listed
        header, nothing = tr(Language.ZH, "art7.number"), tr(Language.ZH, "art7.none")
        assert figures.art7_total == len([r for r in sheet if r not in (header, nothing)])
        if figures.art7_drafts:
            assert tr(Language.ZH, "analysis.art7_drafts", drafts=figures.art7_drafts) in text
        assert (
            tr(
                Language.ZH,
                "analysis.art7",
                main_leader=figures.main_leader,
                serious=figures.serious,
                main_leader_drafts=of_which_drafts(
                    figures.main_leader_drafts, Language.ZH, "analysis.of_which_drafts"
                ),
                serious_drafts=of_which_drafts(
                    figures.serious_drafts, Language.ZH, "analysis.of_which_drafts"
                ),
            )
            in text
        ) == bool(figures.main_leader or figures.serious)
        if end == "draft" and claims_listed:  # the chat reply says so too
            replies = await court.chat("刘洋").say("/report 2026Q1")
            assert any("尚未提交的草稿" in r and "第七条清单" in r for r in replies), replies
    finally:
        if end == "draft":  # the next example's /new would offer to continue it
            await judge.act(f"/cancel 收尾{n}")
