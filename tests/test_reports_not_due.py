"""A step with nothing due has no on-time share: the charts and the timeliness sheet say why,
尚无到期事项 (none due yet) while records owe it, 无记录 (no records) when none does, and the words
stay inside the chart."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from PIL import Image
from test_reports_support import BEIJING, local, make_record, open_court, report_said

from reports import charts
from reports.figures import Tally
from reports.period import parse_period
from reports.tables import milestone_name, share_text, share_value
from reports.text import tr
from storage.db import Database
from storage.vocabulary import Language, Milestone

counts = st.integers(min_value=0, max_value=3)
tallies = st.builds(Tally, counts, counts, counts, counts)


@given(st.one_of(st.none(), tallies), st.sampled_from(list(Language)))
def test_a_share_in_text_is_a_percentage_or_words_never_a_dash(
    tally: Tally | None, language: Language
) -> None:
    text = share_text(tally, language)
    if tally is not None and tally.due:
        assert text == f"{tally.on_time / tally.due:.1%}"
    elif tally is not None and tally.pending:
        assert text == tr(language, "chart.not_due") == share_value(tally, language)
    else:
        assert text == tr(language, "chart.no_record")
    assert text.strip("-") != ""


@given(tallies, st.sampled_from(list(Language)))
def test_a_share_or_why_there_is_none(tally: Tally, language: Language) -> None:
    value = share_value(tally, language)
    if tally.due:
        assert value == tally.on_time / tally.due
    elif tally.pending:
        assert value == tr(language, "chart.not_due")
    else:
        assert value == tr(language, "chart.no_record")


def right_margin_is_blank(path: Path, right: int) -> bool:
    """Every pixel from column ``right`` to the image's edge is the paper's colour."""
    image = Image.open(path).convert("RGB")
    width, height = image.size
    return all(
        image.getpixel((x, y)) == charts.PAPER for x in range(right, width) for y in range(height)
    )


words = st.sampled_from(["chart.not_due", "chart.no_record"])
values = st.one_of(st.none(), st.floats(0, 1), words)


@settings(max_examples=10, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(list(Milestone)), values), min_size=1, max_size=5),
    st.sampled_from(list(Language)),
)
def test_the_words_stay_inside_the_chart(
    tmp_path_factory: pytest.TempPathFactory,
    items: list[tuple[Milestone, float | str | None]],
    language: Language,
) -> None:
    rows = [
        (
            milestone_name(m, language),
            tr(language, v) if isinstance(v, str) else v,
        )
        for m, v in items
    ]
    folder = tmp_path_factory.mktemp("chart")
    nothing = tr(language, "chart.no_record")
    bar = charts.bar_chart(folder / "bar.png", "按期办理率", rows, percent=True, nothing=nothing)
    assert right_margin_is_blank(bar, 1170)
    card = charts.headline_card(
        folder / "card.png",
        title="2026年第四季度",
        subtitle="",
        tiles=[("件数", "1")],
        left_title="单位类别",
        left=[("行政机关", 1.0)],
        right_title="按期办理率",
        right=rows,
        footer="",
        nothing=nothing,
    )
    assert right_margin_is_blank(card, 1400 - 40 + 1)  # the tiles end at 1360 inclusive


async def test_a_quarter_whose_steps_are_not_due_yet(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    people = await open_court(db, local("2026-11-01 09:00"))
    await make_record(db, people["张伟"], local("2026-11-30 10:00"))
    now = local("2026-11-30 12:00")
    period = parse_period("2026Q4", now=now, tz=BEIJING)
    said = await report_said(
        db, period, language=Language.ZH, now=now, folder=tmp_path, monkeypatch=monkeypatch
    )
    sheet = load_workbook(said.files.xlsx)["办理时效"]
    values = [c.value for row in sheet.iter_rows() for c in row]
    platform = milestone_name(Milestone.PLATFORM_ENTERED, Language.ZH)
    assert tr(Language.ZH, "chart.not_due_label", name=platform) in values
    assert tr(Language.ZH, "chart.no_record_label", name=platform) not in values
    # A phone inquiry owes no co-signature: that step has no records, not a step to come.
    cosign = milestone_name(Milestone.COSIGNED, Language.ZH)
    assert tr(Language.ZH, "chart.no_record_label", name=cosign) in values
    # The steps' table says the same words where the share would be, as do the summary's
    # tables and its headline picture's tile: never a bare dash.
    steps = [row for row in sheet.iter_rows(values_only=True) if row and row[0] == platform]
    assert steps and steps[0][6] == "尚无到期事项", steps
    assert "-" not in values
    summary = said.places["summary"]
    assert "尚无到期事项" in summary
    assert "-" not in summary.split("\n")
