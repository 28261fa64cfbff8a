"""Case numbers as handlers type them, the wrong ones included.

Full-width characters are written through ``fw`` and ``wide`` (or spelled by name) because
ruff's ambiguous-character check cannot tell them from a typo.
"""

from __future__ import annotations

import dataclasses
from importlib import resources

import pytest

from storage.casenumber import (
    EXAMPLE,
    NOT_FILED,
    CaseNumber,
    CaseNumberError,
    CaseNumberProblem,
    NotFiled,
    court_name,
    parse_case_number,
    type_name,
)

YEAR_NOW = 2026
LEFT = "\N{FULLWIDTH LEFT PARENTHESIS}"
RIGHT = "\N{FULLWIDTH RIGHT PARENTHESIS}"
IDEOGRAPHIC_SPACE = "\N{IDEOGRAPHIC SPACE}"


def fw(text: str) -> str:
    """Write the canonical form with ASCII brackets and get the full-width one."""
    return text.replace("(", LEFT).replace(")", RIGHT)


def wide(text: str) -> str:
    return text.translate({ord(str(d)): chr(0xFF10 + d) for d in range(10)})


def parse(text: str) -> CaseNumber | NotFiled:
    return parse_case_number(text, year_now=YEAR_NOW)


def problem(text: str) -> CaseNumberError:
    with pytest.raises(CaseNumberError) as caught:
        parse(text)
    return caught.value


def type_codes_in_table() -> list[str]:
    """Read the packaged table without the module, so the loop checks the loader as well."""
    table = resources.files("storage").joinpath("data", "case-type-codes.tsv").read_text("utf-8")
    lines = [line for line in table.splitlines() if line and not line.startswith("#")]
    column = lines[0].split("\t").index("type_code")
    codes = (line.split("\t")[column] if "\t" in line else "" for line in lines[1:])
    return sorted({code.strip() for code in codes if code.strip()})


@pytest.mark.parametrize(
    ("text", "year", "court", "type_code", "serial"),
    [
        (fw("(2026)豫0825民初123号"), 2026, "豫0825", "民初", 123),
        (fw("(2025)豫08民终45号"), 2025, "豫08", "民终", 45),
        (fw("(2026)最高法民申7号"), 2026, "最高法", "民申", 7),
        (fw("(2024)京0105刑初1000号"), 2024, "京0105", "刑初", 1000),
        (fw("(2026)豫0825执456号"), 2026, "豫0825", "执", 456),
        (fw("(2026)豫0825执恢12号"), 2026, "豫0825", "执恢", 12),
    ],
)
def test_examples_parse_and_keep_their_canonical_form(
    text: str, year: int, court: str, type_code: str, serial: int
) -> None:
    number = parse(text)
    assert number == CaseNumber(year, court, type_code, serial)
    assert isinstance(number, CaseNumber)
    assert number.text == text
    assert str(number) == text


def test_the_example_shown_to_users_is_valid() -> None:
    assert fw("(2026)豫0825民初123号") == EXAMPLE
    number = parse(EXAMPLE)
    assert isinstance(number, CaseNumber)
    assert number.text == EXAMPLE


@pytest.mark.parametrize(
    "text",
    [
        "(2026)豫0825民初123号",
        "(2026" + RIGHT + "豫0825民初123号",
        LEFT + "2026)豫0825民初123号",
        "\N{LEFT TORTOISE SHELL BRACKET}2026\N{RIGHT TORTOISE SHELL BRACKET}豫0825民初123号",
        "[2026]豫0825民初123号",
        "【2026】豫0825民初123号",
        "【2026]豫0825民初123号",
        "[2026\N{RIGHT TORTOISE SHELL BRACKET}豫0825民初123号",
        "\N{LEFT TORTOISE SHELL BRACKET}2026)豫0825民初123号",
    ],
)
def test_any_bracket_style_is_normalised_to_full_width(text: str) -> None:
    assert parse(text) == CaseNumber(2026, "豫0825", "民初", 123)


@pytest.mark.parametrize(
    "text",
    [
        fw(wide("(2026)豫0825民初123号")),
        fw("(" + wide("2026") + ")豫0825民初123号"),
        fw("(2026)豫" + wide("0825") + "民初123号"),
        fw("(2026)豫0825民初" + wide("123") + "号"),
        "(" + wide("2026") + ")豫08" + wide("25") + "民初1" + wide("23"),
    ],
)
def test_full_width_digits_become_ascii(text: str) -> None:
    number = parse(text)
    assert isinstance(number, CaseNumber)
    assert number.text == EXAMPLE


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (fw("(2026)豫0825民初123"), EXAMPLE),
        ("(2026)豫0825民初123", EXAMPLE),
        (fw("(2026)最高法民申7"), fw("(2026)最高法民申7号")),
        (fw("(2026)豫0825执恢12"), fw("(2026)豫0825执恢12号")),
    ],
)
def test_a_missing_hao_is_added(text: str, expected: str) -> None:
    number = parse(text)
    assert isinstance(number, CaseNumber)
    assert number.text == expected


@pytest.mark.parametrize(
    "text",
    [
        "  " + EXAMPLE + "  ",
        "\t" + EXAMPLE + "\n",
        IDEOGRAPHIC_SPACE + EXAMPLE + IDEOGRAPHIC_SPACE,
        fw("( 2026 )豫0825民初123号"),
        fw("(2026 )豫0825民初123号"),
        "( 2026 ) 豫0825民初123号",
        fw("(2026) 豫0825 民初 123 号"),
        fw("(2026)豫 0825民初123号"),
        fw("(" + IDEOGRAPHIC_SPACE + "2026)豫0825民初123号"),
    ],
)
def test_spaces_are_ignored(text: str) -> None:
    number = parse(text)
    assert isinstance(number, CaseNumber)
    assert number.text == EXAMPLE


@pytest.mark.parametrize(
    "text",
    [
        "尚未立案",
        "未立案",
        "暂无案号",
        "无",
        "none",
        "n/a",
        "not filed",
        "None",
        "NONE",
        "N/A",
        "Not Filed",
        "NOT FILED",
        "  not   filed  ",
        " 尚未立案 ",
        "尚未立案。",
        "\N{FULLWIDTH LATIN CAPITAL LETTER N}/\N{FULLWIDTH LATIN CAPITAL LETTER A}",
        "n\N{FULLWIDTH SOLIDUS}a",
    ],
)
def test_not_yet_filed_is_a_valid_answer(text: str) -> None:
    result = parse(text)
    assert result == NOT_FILED
    assert isinstance(result, NotFiled)
    assert not isinstance(result, CaseNumber)


@pytest.mark.parametrize("text", ["无案号吗", "nonexistent", "n", "filed", "已立案"])
def test_words_near_the_not_filed_answers_are_not_accepted(text: str) -> None:
    assert problem(text).reason is CaseNumberProblem.FORMAT


@pytest.mark.parametrize(
    ("text", "part"),
    [
        (fw("(2026)豫9999民初1号"), "豫9999"),
        (fw("(2026)豫0825123民初1号"), "豫0825123"),
        (fw("(2026)京999民初1号"), "京999"),
        (fw("(2026)最高院民申7号"), "最高院"),
        (fw("(2026)高法民申7号"), "高法"),
        (fw("(2026)abc民初1号"), "abc"),
        (fw("(2026)x1民初1号"), "x1"),
        (fw("(2026)甲乙1号"), "甲乙"),
    ],
)
def test_an_unknown_court_code_is_named(text: str, part: str) -> None:
    error = problem(text)
    assert error.reason is CaseNumberProblem.COURT
    assert error.part == part


@pytest.mark.parametrize(
    ("text", "part"),
    [
        (fw("(2026)豫0825民三123号"), "民三"),
        (fw("(2026)豫0825民初第123号"), "民初第"),
        (fw("(2026)豫0825初123号"), "初"),
        (fw("(2026)豫08执恢复1号"), "执恢复"),
        (fw("(2026)最高法知民乙1号"), "知民乙"),
        (fw("(2026)京民x1号"), "民x"),
        (fw("(2026)豫0825ABC1号"), "ABC"),
    ],
)
def test_an_unknown_type_code_is_named(text: str, part: str) -> None:
    error = problem(text)
    assert error.reason is CaseNumberProblem.TYPE
    assert error.part == part


@pytest.mark.parametrize(
    ("text", "part"),
    [
        (fw("(1900)豫0825民初1号"), "1900"),
        (fw("(1948)豫0825民初1号"), "1948"),
        (fw("(26)豫0825民初1号"), "26"),
        (fw("(20266)豫0825民初1号"), "20266"),
        (fw("(0000)豫0825民初1号"), "0000"),
    ],
)
def test_an_implausible_year_is_refused(text: str, part: str) -> None:
    error = problem(text)
    assert error.reason is CaseNumberProblem.YEAR
    assert error.part == part


@pytest.mark.parametrize("year", [YEAR_NOW + 1, YEAR_NOW + 2, 9999])
def test_a_future_year_is_its_own_problem(year: int) -> None:
    error = problem(fw(f"({year})豫0825民初1号"))
    assert (error.reason, error.part) == (CaseNumberProblem.FUTURE, str(year))


@pytest.mark.parametrize("year", [1949, 2016, YEAR_NOW])
def test_years_at_the_edges_are_accepted(year: int) -> None:
    number = parse(fw(f"({year})豫0825民初1号"))
    assert isinstance(number, CaseNumber)
    assert number.year == year


def test_the_upper_year_limit_follows_year_now() -> None:
    text = fw("(2031)豫0825民初1号")
    assert parse_case_number(text, year_now=2031) == CaseNumber(2031, "豫0825", "民初", 1)
    with pytest.raises(CaseNumberError) as caught:
        parse_case_number(text, year_now=2030)
    assert caught.value.reason is CaseNumberProblem.FUTURE


@pytest.mark.parametrize(
    ("serial", "part", "reason"),
    [
        ("0", "0", CaseNumberProblem.SERIAL),
        ("00", "00", CaseNumberProblem.SERIAL),
        ("0123", "0123", CaseNumberProblem.SERIAL),
        ("1000000", "1000000", CaseNumberProblem.SERIAL_LONG),
        ("12345678", "12345678", CaseNumberProblem.SERIAL_LONG),
    ],
)
def test_a_bad_serial_is_refused(serial: str, part: str, reason: CaseNumberProblem) -> None:
    error = problem(fw(f"(2026)豫0825民初{serial}号"))
    assert error.reason is reason
    assert error.part == part


@pytest.mark.parametrize("serial", [1, 9, 10, 999_999])
def test_serials_at_the_edges_are_accepted(serial: int) -> None:
    assert parse(fw(f"(2026)豫0825民初{serial}号")) == CaseNumber(2026, "豫0825", "民初", serial)


@pytest.mark.parametrize(
    "text",
    [
        "hello",
        "123",
        "豫0825民初123号",
        fw("(2026)"),
        fw("(2026)号"),
        fw("(2026"),
        "2026)豫0825民初123号",
        fw("(二〇二六)豫0825民初123号"),
        fw("(2026)豫0825民初"),
        fw("(2026)豫0825民初号"),
        fw("(2026)豫0825民初123号abc"),
        fw("(2026)豫0825民初123号号"),
        fw("(2026)豫0825民初12 3号"),
        fw("(20 26)豫0825民初123号"),
        fw("(2026)豫123号"),
        fw("(2026)最高法123号"),
        fw("(2026)民初123号"),
        fw("(2026)0825民初123号"),
        fw("(2026)豫0825民初123号(2026)豫0825民初124号"),
        "案号\N{FULLWIDTH COLON}" + EXAMPLE,
        fw("((2026))豫0825民初123号"),
    ],
)
def test_garbage_is_a_format_problem(text: str) -> None:
    error = problem(text)
    assert error.reason is CaseNumberProblem.FORMAT
    assert error.part is None


@pytest.mark.parametrize("text", ["", " ", "\t\n", IDEOGRAPHIC_SPACE])
def test_an_empty_answer_is_its_own_problem(text: str) -> None:
    assert problem(text).reason is CaseNumberProblem.EMPTY


def test_the_type_table_is_not_empty() -> None:
    codes = type_codes_in_table()
    assert len(codes) > 100
    assert {"民初", "民终", "刑初", "执", "执恢", "民辖终"} <= set(codes)


@pytest.mark.parametrize("court", ["豫0825", "豫08", "豫", "京", "最高法"])
def test_every_type_code_round_trips(court: str) -> None:
    for code in type_codes_in_table():
        number = CaseNumber(2026, court, code, 1)
        assert parse(number.text) == number, code
        assert parse(number.text.removesuffix("号")) == number, code
        assert type_name(code), code


@pytest.mark.parametrize(
    ("body", "court", "type_code", "serial"),
    [
        ("豫0825民初123", "豫0825", "民初", 123),
        ("豫08民终45", "豫08", "民终", 45),
        ("豫民终45", "豫", "民终", 45),
        ("最高法民申7", "最高法", "民申", 7),
        ("最高法执监3", "最高法", "执监", 3),
        ("豫0825执12", "豫0825", "执", 12),
        ("豫0825执恢12", "豫0825", "执恢", 12),
        ("豫0825执保12", "豫0825", "执保", 12),
        ("京执恢12", "京", "执恢", 12),
        ("京执12", "京", "执", 12),
        ("豫08民辖终2", "豫08", "民辖终", 2),
        ("京民辖2", "京", "民辖", 2),
        ("京民辖终2", "京", "民辖终", 2),
        ("兵0101破申2", "兵0101", "破申", 2),
        ("兵破2", "兵", "破", 2),
        ("军刑终1", "军", "刑终", 1),
        ("京73民初1", "京73", "民初", 1),
        ("京0105刑医解1", "京0105", "刑医解", 1),
        ("最高法刑医1", "最高法", "刑医", 1),
    ],
)
def test_court_and_type_codes_are_split_correctly(
    body: str, court: str, type_code: str, serial: int
) -> None:
    assert parse(fw(f"(2026){body}号")) == CaseNumber(2026, court, type_code, serial)


def test_errors_are_value_errors_with_reason_and_part_but_no_sentence() -> None:
    error = problem(fw("(2026)豫9999民初1号"))
    assert isinstance(error, ValueError)
    assert error.reason == "court"
    assert str(error) == "court: '豫9999'"
    assert str(problem("")) == "empty"


def test_problem_values_are_stable_catalog_keys() -> None:
    assert {p.value for p in CaseNumberProblem} == {
        "empty",
        "format",
        "year",
        "future",
        "court",
        "type",
        "serial",
        "serial_long",
    }


def test_a_case_number_is_immutable_and_hashable() -> None:
    number = CaseNumber(2026, "豫0825", "民初", 123)
    with pytest.raises(dataclasses.FrozenInstanceError):
        number.serial = 124  # type: ignore[misc]
    assert len({number, CaseNumber(2026, "豫0825", "民初", 123)}) == 1


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("豫0825", "温县人民法院"),
        ("豫08", "河南省焦作市中级人民法院"),
        ("豫", "河南省高级人民法院"),
        ("最高法", "最高人民法院"),
        ("京0105", "北京市朝阳区人民法院"),
        ("赣0721", "赣州市赣县区人民法院"),
    ],
)
def test_court_names(code: str, name: str) -> None:
    assert court_name(code) == name


@pytest.mark.parametrize("code", ["", "豫9999", "最高院", fw("赣0721(代字尚未修改)")])
def test_unknown_court_names(code: str) -> None:
    assert court_name(code) is None


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("民初", "民事一审案件"),
        ("民终", "民事二审案件"),
        ("执", "首次执行案件"),
        ("执恢", "恢复执行案件"),
        ("民辖终", "民事管辖上诉案件"),
        ("民特", "特别程序案件"),
        ("破", "破产案件"),
    ],
)
def test_type_names(code: str, name: str) -> None:
    assert type_name(code) == name


@pytest.mark.parametrize("code", ["", "民", "民三", "知民乙"])
def test_unknown_type_names(code: str) -> None:
    assert type_name(code) is None
