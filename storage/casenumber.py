"""Court case numbers (案号) under the SPC rules on case numbers (2016).

A case number is the filing year (收案年度) in full-width brackets, then 法院代字, 类型代字,
案件编号 and 号. Handlers type them on phones, so the parser forgives bracket styles,
full-width digits, stray spaces and a forgotten 号, but it only accepts court and type codes
that the SPC tables know: a record with a mistyped case number cannot be found again later.
Failures carry a machine-readable reason and never a sentence, because the words belong to
the message catalogs in ``handlers/``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Final

# Full-width characters are spelled by name: they are the subject matter here, and ruff's
# ambiguous-character check (RUF001) cannot tell them from a typo.
_LEFT: Final = "\N{FULLWIDTH LEFT PARENTHESIS}"
_RIGHT: Final = "\N{FULLWIDTH RIGHT PARENTHESIS}"
_OPEN: Final = f"{_LEFT}(\N{LEFT TORTOISE SHELL BRACKET}[\N{LEFT BLACK LENTICULAR BRACKET}"
_CLOSE: Final = f"{_RIGHT})\N{RIGHT TORTOISE SHELL BRACKET}]\N{RIGHT BLACK LENTICULAR BRACKET}"
_FULLWIDTH_DIGITS: Final = str.maketrans({chr(0xFF10 + d): str(d) for d in range(10)})

EXAMPLE: Final = f"{_LEFT}2026{_RIGHT}豫0825民初123号"

FIRST_YEAR: Final = 1949
"""No court of the People's Republic numbered a case before it existed."""

MAX_SERIAL: Final = 999_999
"""The largest serial accepted: six digits, more than any court files of one type in a year."""


_NOT_FILED_ANSWERS: Final = frozenset(
    {"尚未立案", "未立案", "暂无案号", "无", "none", "n/a", "not filed"}
)
_SUFFIX: Final = "之[一二三四五六七八九十]{1,3}"
"""A document's suffix after 号 (…号之一, 之二): one case, several documents."""
_SHAPE: Final = re.compile(
    f"(?:[{re.escape(_OPEN)}](?P<year>[^{re.escape(_CLOSE)}]*?)年?[{re.escape(_CLOSE)}]"
    f"|(?P<bare>[0-9]{{4}})年?(?=[^0-9{re.escape(_CLOSE)}]))"
    f"(?P<body>.*?)(?:号(?P<suffix>{_SUFFIX})?)?"
)
_RUNS: Final = re.compile(r"[0-9]+|[^0-9]+")
_SPLIT_DIGITS: Final = re.compile(r"[0-9]\s+[0-9]")
_WHITESPACE: Final = re.compile(r"\s+")
_COURT_NOTE: Final = re.compile(f"[{_LEFT}(].*$")
"""The court table annotates a few codes in place: 赣0721, then 代字尚未修改 in brackets."""


class CaseNumberProblem(StrEnum):
    """Why a typed case number was refused; the catalog says each with an example."""

    EMPTY = "empty"
    FORMAT = "format"
    YEAR = "year"
    FUTURE = "future"
    COURT = "court"
    TYPE = "type"
    SERIAL = "serial"
    """A serial that starts with 0."""
    SERIAL_LONG = "serial_long"
    """A serial of more digits than ``MAX_SERIAL`` has."""


class CaseNumberError(ValueError):
    """Bad input, expected from people: the chat layer turns ``reason`` into a message.

    ``part`` is the offending piece (after normalisation), so the reply can quote it back.
    """

    def __init__(self, reason: CaseNumberProblem, part: str | None = None) -> None:
        super().__init__(reason, part)
        self.reason = reason
        self.part = part

    def __str__(self) -> str:
        return str(self.reason) if self.part is None else f"{self.reason}: {self.part!r}"


@dataclass(frozen=True, slots=True)
class CaseNumber:
    """A case number read as its parts: ``（2026）浙0302民初123号`` is year 2026, court code
    ``浙0302``, type code ``民初``, serial 123.
    """

    year: int
    court_code: str
    type_code: str
    serial: int
    suffix: str = ""
    """A document's suffix (``之一``), or empty."""

    @property
    def text(self) -> str:
        """The one spelling that is stored, so equal numbers compare equal as text too."""
        head = f"{_LEFT}{self.year}{_RIGHT}{self.court_code}{self.type_code}"
        return f"{head}{self.serial}号{self.suffix}"

    @property
    def compact(self) -> str:
        """The shortest spelling ``parse_case_number`` reads back as this number: no
        brackets, and no 号 but before a suffix (``2026豫0825民终1234``), for a button's
        data, which is short (Telegram: 64 bytes)."""
        tail = f"号{self.suffix}" if self.suffix else ""
        return f"{self.year}{self.court_code}{self.type_code}{self.serial}{tail}"

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True, slots=True)
class NotFiled:
    """A case without a number yet: a valid answer, because filing itself may be the issue."""


NOT_FILED: Final = NotFiled()


def parse_case_number(text: str, *, year_now: int) -> CaseNumber | NotFiled:
    """Read a case number as a person would type it, or raise ``CaseNumberError``.

    Forgiven: any bracket style or none (``2026豫0825刑初56号``), the year written with 年
    (``2026年豫0825民初1234号``, ``（2026年）…``), full-width digits, spaces, a forgotten 号.
    Kept: a document suffix (``…号之一``). Refused: a year after ``year_now`` (``FUTURE``) or
    before 1949 (``YEAR``), a court or type code the tables do not know.
    """
    stripped = text.strip()
    if not stripped:
        raise CaseNumberError(CaseNumberProblem.EMPTY)
    if _is_not_filed(stripped):
        return NOT_FILED
    digits = stripped.translate(_FULLWIDTH_DIGITS)
    if _SPLIT_DIGITS.search(digits):
        raise CaseNumberError(CaseNumberProblem.FORMAT)
    match = _SHAPE.fullmatch(_WHITESPACE.sub("", digits))
    if match is None:
        raise CaseNumberError(CaseNumberProblem.FORMAT)
    raw_year = match["year"] if match["year"] is not None else match["bare"]
    year = _year(raw_year, year_now)
    court_code, type_code, serial = _split_body(match["body"])
    return CaseNumber(year, court_code, type_code, _serial(serial), match["suffix"] or "")


_CASE_YEAR: Final = re.compile(r"[（(〔\[【［]\s*[0-9０-９]{4}\s*[）)〕\]】］]")
"""A case number's bracketed year: two of them are two case numbers."""
_SERIAL_AFTER_HAO: Final = re.compile(r"号[^0-9０-９]*[0-9０-９]")
"""A serial after a 号: ``…12号、13号`` names a second case."""


def case_number_shaped(text: str) -> bool:
    """Whether ``text`` has a case number's shape, whatever its parts' values: a year of four
    digits (in brackets of any style, or bare), then letters and digits alternating as
    ``法院代字类型代字编号`` run (``豫0826民初55``, ``最高法民终7``), then an optional 号 and
    document suffix, typed with the forgiveness ``parse_case_number`` allows. Every text that
    parser reads has it, and so has one it refuses only for a part's value (a court or type
    code the tables do not know, a year out of range, a serial too long): such a text is
    meant as a case number, never as a name."""
    digits = text.strip().translate(_FULLWIDTH_DIGITS)
    if not digits or _SPLIT_DIGITS.search(digits):
        return False
    match = _SHAPE.fullmatch(_WHITESPACE.sub("", digits))
    if match is None:
        return False
    raw_year = match["year"] if match["year"] is not None else match["bare"]
    if len(raw_year) != 4 or not raw_year.isascii() or not raw_year.isdigit():
        return False
    runs = _RUNS.findall(match["body"])
    if len(runs) not in (2, 4):
        return False
    longest = max(map(len, _courts())) + max(map(len, _types()))
    for index, run in enumerate(runs):
        if index % 2 == 1:
            if not run.isdigit():
                return False
        elif not run.isalpha() or len(run) > longest:
            return False
    return True


def several_case_numbers(text: str) -> bool:
    """Whether ``text`` reads as more than one case number (two bracketed years, or a serial
    after a 号), which one record cannot hold: a record is one inquiry about one case. Asked
    only of a text ``parse_case_number`` refused."""
    return len(_CASE_YEAR.findall(text)) > 1 or _SERIAL_AFTER_HAO.search(text) is not None


_BASIC_COURT: Final = re.compile(r"^[^0-9]+[0-9]{4}$")
"""A basic-level court's code: its province's letters and four digits (豫0825, 豫7101);
an intermediate court's has two (豫08), a high court's none (豫)."""
_SECOND_INSTANCE_WORDS: Final = ("二审", "上诉")
"""Words of a type's name (``case-type-codes.tsv``) that say it is heard on appeal:
民事二审案件 (民终), 民事管辖上诉案件 (民辖终), 破产上诉案件 (破终)."""


def appeal_at_basic_court(number: CaseNumber) -> bool:
    """Whether ``number`` is a second-instance (appeal) type at a basic-level court
    (``（2026）豫0825民终1234号``): such a court hears no appeals (Civil Procedure Law
    art. 171, Criminal Procedure Law art. 227: appeals go to the court one level up), so the
    number is likely mistyped; a court may still have been written so, hence asked, not
    refused. The type is second-instance when its name in the SPC table says so
    (``_SECOND_INSTANCE_WORDS``)."""
    name = type_name(number.type_code) or ""
    appeal = any(word in name for word in _SECOND_INSTANCE_WORDS)
    return appeal and _BASIC_COURT.match(number.court_code) is not None


def court_name(code: str) -> str | None:
    """Lets a reply name the court, so that a valid but wrong code is noticed by its owner."""
    return _courts().get(code)


def type_name(code: str) -> str | None:
    """Lets a reply name the kind of case, for the same reason as ``court_name``."""
    return _types().get(code)


def _is_not_filed(text: str) -> bool:
    folded = " ".join(unicodedata.normalize("NFKC", text).casefold().split())
    return folded.rstrip("。.!") in _NOT_FILED_ANSWERS


def _year(raw: str, year_now: int) -> int:
    if not raw.isascii() or not raw.isdigit():
        raise CaseNumberError(CaseNumberProblem.FORMAT)
    if len(raw) != 4 or int(raw) < FIRST_YEAR:
        raise CaseNumberError(CaseNumberProblem.YEAR, raw)
    if int(raw) > year_now:
        raise CaseNumberError(CaseNumberProblem.FUTURE, raw)
    return int(raw)


def _split_body(body: str) -> tuple[str, str, str]:
    """Split ``法院代字类型代字编号``, which has no separators.

    Court codes with digits end where their digits end. Codes without digits (最高法, 京) run
    straight into the type code, so every known court prefix is tried, longest first.
    """
    runs = _RUNS.findall(body)
    courts, types = _courts(), _types()
    if len(runs) == 4 and not runs[0][0].isdigit():
        court, type_code, serial = runs[0] + runs[1], runs[2], runs[3]
        if court not in courts:
            raise CaseNumberError(CaseNumberProblem.COURT, court)
        if type_code not in types:
            raise CaseNumberError(CaseNumberProblem.TYPE, type_code)
        return court, type_code, serial
    if len(runs) != 2 or runs[0][0].isdigit():
        raise CaseNumberError(CaseNumberProblem.FORMAT)
    letters, serial = runs
    if letters in courts or letters in types:
        raise CaseNumberError(CaseNumberProblem.FORMAT)
    prefixes = [c for c in _courts_without_digits() if letters.startswith(c)]
    for court in prefixes:
        if letters[len(court) :] in types:
            return court, letters[len(court) :], serial
    if prefixes:
        raise CaseNumberError(CaseNumberProblem.TYPE, letters[len(prefixes[0]) :])
    suffix = next((t for t in _types_longest_first() if letters.endswith(t)), "")
    raise CaseNumberError(CaseNumberProblem.COURT, letters[: len(letters) - len(suffix)])


def widest_case_number(width: Callable[[str], float]) -> str:
    """The case number that ``width`` (a text's printed width, in any unit) measures widest
    of those the court and type tables allow: the widest court code and type code, a serial
    of six digits and the longest document suffix (``之九十九``). A column this wide shows
    every case number on one line."""
    court = max(_courts(), key=width)
    kind = max(_types(), key=width)
    return CaseNumber(9999, court, kind, MAX_SERIAL, "之九十九").text


def _serial(raw: str) -> int:
    if raw.startswith("0"):
        raise CaseNumberError(CaseNumberProblem.SERIAL, raw)
    if int(raw) > MAX_SERIAL:
        raise CaseNumberError(CaseNumberProblem.SERIAL_LONG, raw)
    return int(raw)


def example(court_code: str = "", year: int = 2026) -> str:
    """A first-instance civil case number of ``year`` in ``court_code`` (a court's own code),
    e.g. ``（2027）京0105民初123号``; ``EXAMPLE``'s court where the SPC table does not know the
    code."""
    court = court_code if court_code and court_code in _courts() else "豫0825"
    return f"{_LEFT}{year}{_RIGHT}{court}民初123号"


def _rows(filename: str) -> Iterator[dict[str, str]]:
    """Rows of a packaged table: ``#`` comments, then a header, then tab-separated values."""
    text = resources.files(__package__ or "storage").joinpath("data", filename).read_text("utf-8")
    return _table_rows(text)


def _table_rows(text: str) -> Iterator[dict[str, str]]:
    lines = (line for line in text.splitlines() if line.strip() and not line.startswith("#"))
    header = next(lines, "").split("\t")
    for line in lines:
        values = line.split("\t") + [""] * len(header)
        yield dict(zip(header, values[: len(header)], strict=True))


@cache
def _courts() -> Mapping[str, str]:
    courts: dict[str, str] = {}
    for row in _rows("court-codes.tsv"):
        code = _COURT_NOTE.sub("", row["court_code"]).strip()
        if code:
            courts.setdefault(code, row["court_name"].strip())
    return MappingProxyType(courts)


_EXTRA_TYPES: dict[str, str] = {}


def add_types(text: str) -> dict[str, str]:
    """Type codes a court adds without a new release (``[court] case_types_file``).

    ``text`` has the packaged table's shape: ``#`` comments, a header line, then
    tab-separated ``category``, ``name``, ``type_code`` rows (a row without a code names a
    group). The codes it holds are accepted from then on, in this process; the added codes
    and their names are returned. Raises ``ValueError`` for a table without the columns.
    """
    lines = (line for line in text.splitlines() if line.strip() and not line.startswith("#"))
    if not {"name", "type_code"} <= set(next(lines, "").split("\t")):
        raise ValueError("a case type table needs the columns name and type_code")
    added: dict[str, str] = {}
    for row in _table_rows(text):
        code, name = row["type_code"].strip(), row["name"].strip()
        if code:
            added[code] = name or code
    _EXTRA_TYPES.update(added)
    _types.cache_clear()
    _types_longest_first.cache_clear()
    return added


@cache
def _types() -> Mapping[str, str]:
    """Type code to name; a code shared by several rows is named by the group that holds them.

    民特 covers thirteen kinds of special-procedure case: any one of their names would be wrong
    for the other twelve, while their grouping row (特别程序案件) is right for all of them.
    """
    names: dict[str, list[str]] = {}
    groups: dict[str, set[str]] = {}
    group = ""
    for row in _rows("case-type-codes.tsv"):
        code, name = row["type_code"].strip(), row["name"].strip()
        if not code:
            group = name
            continue
        names.setdefault(code, []).append(name)
        groups.setdefault(code, set()).add(group)
    result: dict[str, str] = {}
    for code, rows in names.items():
        (shared_group, *others) = groups[code]
        result[code] = shared_group if len(rows) > 1 and not others and shared_group else rows[0]
    for code, name in _EXTRA_TYPES.items():
        result.setdefault(code, name)
    return MappingProxyType(result)


@cache
def _courts_without_digits() -> tuple[str, ...]:
    return tuple(sorted((c for c in _courts() if not c[-1].isdigit()), key=len, reverse=True))


@cache
def _types_longest_first() -> tuple[str, ...]:
    return tuple(sorted(_types(), key=len, reverse=True))


_PLACE = re.compile(r"[^省市区县旗盟州]+?[省市区县旗盟州]")


def court_place(court_name: str) -> str:
    """The smallest place a court's name names ("北京市朝阳区人民法院" → "朝阳区",
    "温县人民法院" → "温县", "上海市第一中级人民法院" → "上海市"); "" when it names none."""
    places = _PLACE.findall(court_name.removesuffix("人民法院"))
    return places[-1] if places else ""


@cache
def place_names() -> frozenset[str]:
    """The places the SPC court table's names name, each as written (``温县``, ``焦作市``,
    ``建华区``) and, where two characters or more are left, without its level (``焦作``,
    ``建华``): what a unit's name may open with (``温县财政局``, ``焦作市公安局``)."""
    places: set[str] = set()
    for name in _courts().values():
        for place in _PLACE.findall(_COURT_TAIL.sub("", name)):
            places.add(place)
            if len(place) > 2:
                places.add(place[:-1])
    return frozenset(places)


_COURT_TAIL = re.compile(r"(?:第[一二三四五六七八九十]+)?(?:高级|中级)?人民法院.*$")
