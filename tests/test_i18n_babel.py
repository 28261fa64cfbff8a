"""Words CLDR knows, through Babel: weekday names and plural forms, in both languages."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from handlers.i18n import t, weekday
from storage.vocabulary import Language


def test_weekday_names_are_the_short_ones_a_person_writes() -> None:
    monday = date(2026, 3, 9)
    week = [monday + timedelta(days=n) for n in range(7)]
    assert [weekday(Language.ZH, day) for day in week] == [
        "周一",
        "周二",
        "周三",
        "周四",
        "周五",
        "周六",
        "周日",
    ]
    assert [weekday(Language.EN, day) for day in week] == [
        "Mon",
        "Tue",
        "Wed",
        "Thu",
        "Fri",
        "Sat",
        "Sun",
    ]


def test_one_file_and_several_files() -> None:
    assert t(Language.EN, "intake.added", count=1, title="T") == (
        "1 file added as evidence to record T."
    )
    assert t(Language.EN, "intake.added", count=2, title="T") == (
        "2 files added as evidence to record T."
    )
    rescued = t(Language.EN, "intake.rescued", count=1, title="T", id=3, deadlines="", kept="")
    assert rescued.startswith("Your 1 file is registered")
    assert (
        t(Language.ZH, "intake.added", count=2, title="T")
        == "已将 2 个文件作为证据添加到记录（T）。"
    )


@given(st.integers(min_value=0, max_value=10_000))
def test_every_count_gets_one_word_and_no_brackets(count: int) -> None:
    english = t(Language.EN, "evidence.line", total=count, parts="x")
    assert english == f"Evidence: {count} {'item' if count == 1 else 'items'} (x)"
    chinese = t(Language.ZH, "intake.added", count=count, title="T")
    assert str(count) in chinese and "|" not in chinese and "=" not in chinese
