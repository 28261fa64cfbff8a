"""The summary's heading names the court once, whatever its name, period and language; the
headline picture's subtitle keeps each of its parts apart with the catalog's separator."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from reports.facts import Names
from reports.figures import Figures
from reports.period import parse_period
from reports.quarterly import picture_subtitle, report_notes, report_title
from reports.summary import summary_document
from reports.text import tr
from storage.vocabulary import Language

BEIJING = ZoneInfo("Asia/Shanghai")
COURTS = st.sampled_from(["温县人民法院", "焦作市中级人民法院", "Wenxian People's Court", ""])
NOW = datetime(2026, 8, 20, 10, 0, tzinfo=BEIJING)


@settings(max_examples=30, deadline=None)
@given(
    court=COURTS,
    language=st.sampled_from(list(Language)),
    label=st.sampled_from(["2026Q3", "2026Q2", "2025Q4"]),
)
def test_the_summary_heading_names_the_court_once(
    court: str, language: Language, label: str
) -> None:
    period = parse_period(label, now=NOW, tz=BEIJING)
    title = report_title(period, language, court)
    document = summary_document(
        Figures(period, Names({}, {})),
        language=language,
        tz=BEIJING,
        title=title,
        notes=["note"],
        footer="",
        pictures={},
        court_name=court,
    )
    heading = f"{document.title}\n{document.subtitle}"
    if court:
        assert heading.count(court) == 1
    assert court in document.title


@settings(max_examples=30, deadline=None)
@given(
    language=st.sampled_from(list(Language)),
    draft=st.booleans(),
    ahead=st.integers(-200, 200),
)
def test_the_picture_subtitle_keeps_its_parts_apart(
    language: Language, draft: bool, ahead: int
) -> None:
    now = NOW + timedelta(days=ahead)
    period = parse_period("2026Q3", now=NOW, tz=BEIJING)
    notes = report_notes(
        period, language=language, tz=BEIJING, now=now, head_seq=1, head_hash="ab", draft=draft
    )
    made = tr(language, "chart.made", at=now.strftime("%Y-%m-%d %H:%M"))
    parts = [made, *notes[1:-1]]
    subtitle = picture_subtitle(notes, language=language, tz=BEIJING, now=now)
    assert subtitle.split(tr(language, "chart.separator")) == parts
    assert tr(language, "chart.separator").strip()  # a visible mark, not a bare space
