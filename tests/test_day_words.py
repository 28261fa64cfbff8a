"""W3: every date a message shows is worded by one function, ``i18n.day_words``; English reads
day first with the month's name (Wed 2 Dec), never 11/30 in one message and 2/12 in another."""

from __future__ import annotations

import re
import tomllib
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from test_timeparse import BEIJING, NOW, echo_context

from handlers.fields import when
from handlers.i18n import day_words
from storage.vocabulary import Language

ROOT = Path(__file__).resolve().parent.parent
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
EN_DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
ZH_DAYS = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]
EN = re.compile(r"^(?P<w>[A-Z][a-z]{2}) (?P<d>\d{1,2}) (?P<m>[A-Z][a-z]{2})(?: (?P<y>\d{4}))?$")
ZH = re.compile(r"^(?:(?P<y>\d{4})年)?(?P<m>\d{1,2})月(?P<d>\d{1,2})日（(?P<w>周.)）$")


def test_the_examples_read_as_a_person_expects() -> None:
    assert day_words(Language.EN, date(2026, 12, 2)) == "Wed 2 Dec"
    assert day_words(Language.EN, date(2027, 1, 5), year=True) == "Tue 5 Jan 2027"
    assert day_words(Language.ZH, date(2026, 12, 2)) == "12月2日（周三）"
    assert day_words(Language.ZH, date(2027, 1, 5), year=True) == "2027年1月5日（周二）"


@given(day=st.dates(date(1990, 1, 1), date(2100, 12, 31)), year=st.booleans())
def test_the_day_and_month_read_back(day: date, year: bool) -> None:
    english = EN.match(day_words(Language.EN, day, year=year))
    assert english is not None
    assert int(english["d"]) == day.day
    assert MONTHS.index(english["m"]) + 1 == day.month
    assert EN_DAYS.index(english["w"]) == day.weekday()
    assert (english["y"] is not None) == year and (not year or int(english["y"]) == day.year)
    chinese = ZH.match(day_words(Language.ZH, day, year=year))
    assert chinese is not None
    assert (int(chinese["m"]), int(chinese["d"])) == (day.month, day.day)
    assert ZH_DAYS.index(chinese["w"]) == day.weekday()
    assert (chinese["y"] is not None) == year and (not year or int(chinese["y"]) == day.year)


@given(day=st.dates(date(2025, 1, 1), date(2026, 11, 29)), language=st.sampled_from(Language))
def test_the_intake_echo_words_its_day_by_day_words(day: date, language: Language) -> None:
    moment = datetime.combine(day, time(15, 0), tzinfo=BEIJING)
    other_year = day.year != NOW.astimezone(BEIJING).year
    words = day_words(language, day, year=other_year)
    echo = when(echo_context(language), moment)
    assert echo in (f"{words} 15:00", f"{words}15:00")


def _templates(value: Any, key: str = "") -> list[tuple[str, str]]:
    if isinstance(value, dict):
        return [pair for k, v in value.items() for pair in _templates(v, f"{key}.{k}")]
    return [(key, value)] if isinstance(value, str) else []


def test_no_catalog_words_a_date_from_its_parts() -> None:
    """A template with a day and a month of its own (``{month}/{day}``, ``{day}/{month}``)
    would word a date beside ``day_words``; none is left, in any catalog or language."""
    files = [*ROOT.glob("handlers/locale/*/*.toml"), *ROOT.glob("reports/locale/*.toml")]
    assert files
    for path in files:
        for key, text in _templates(tomllib.loads(path.read_text(encoding="utf-8"))):
            fields = set(re.findall(r"\{(\w+)", text))
            assert not {"month", "weekday"} & fields or "day" not in fields, (path, key, text)
            assert not re.search(r"\}\s*/\s*\{", text), (path, key, text)


def test_no_code_words_a_date_as_month_slash_day() -> None:
    for folder in ("handlers", "reminders", "reports", "bot"):
        for path in (ROOT / folder).rglob("*.py"):
            source = path.read_text(encoding="utf-8")
            assert not re.search(r"%-?m/%-?d|%-?d/%-?m", source), path
