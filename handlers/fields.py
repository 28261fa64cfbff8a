"""The intake's questions: what each one asks, when it applies, and how an answer is read.

Steps are named by a ``StrEnum`` whose values are stored in the database, so reordering the
questions never corrupts a saved draft. A step is asked only when it applies to the record and
is still unanswered; ``skip`` marks an optional one as answered without a value.
"""

from __future__ import annotations

import re
from calendar import monthrange
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from handlers import originals
from handlers.engine import Context, UserError, split_command
from handlers.i18n import day_words, join, weekday
from handlers.ports import Button
from handlers.receipt import (
    RECEIVED_TYPED,
    latest_inquiry,
    receipt_follows,
    receipt_of,
    stated_sent_at,
)
from handlers.refs import platform_ref
from handlers.timeparse import (
    PART_WORDS,
    DayPart,
    Moment,
    TimeParseError,
    TimeProblem,
    read_time,
    relative_day,
)
from handlers.units import (
    PersonParts,
    aide_phrase,
    guess_category,
    person_name,
    person_parts,
    person_readings,
    reads_as_aide,
    unit_alone,
    unit_head,
)
from handlers.words import (
    COMPOUND_SURNAMES,
    NONE_WORDS,
    bare_title,
    name_readings,
    official_titles,
    retired_position,
    title_at_end,
)
from reminders import deadlines
from reports import columns
from storage import staff as staff_repo
from storage.casenumber import (
    MAX_SERIAL,
    CaseNumber,
    CaseNumberError,
    NotFiled,
    appeal_at_basic_court,
    case_number_shaped,
    court_name,
    court_place,
    example,
    parse_case_number,
    several_case_numbers,
    type_name,
)
from storage.models import Record, Staff
from storage.numbers import parse_int
from storage.records import STAFF_IN_PERSONS, platform_ref_holder
from storage.staff import StaffError, StaffProblem
from storage.vocabulary import (
    ART9_ITEMS,
    NETWORK_CHANNELS,
    ORAL_CHANNELS,
    WRITTEN_CHANNELS,
    Channel,
    Intermediary,
    MaterialRoute,
    OriginalsDestination,
    RecordKind,
    RecordStatus,
    UnitCategory,
    at_start,
    label,
)

MAX_SHORT = 100
MAX_LONG = 4000
YES = "yes"
NO = "no"


class Step(StrEnum):
    """The intake's questions, one per record field, in asking order; values are stored.
    Then what a record gains once submitted (``LATER``): the platform's reference (Art. 6).

    A question's step name is ``intake:<value>`` (``handlers.state.question``), and the
    card's labels are ``card.<value>`` in the catalogs.
    """

    RECEIVED_AT = "received_at"
    SOURCE = "source"
    INQUIRY_AT = "inquiry_at"
    CHANNEL = "channel"
    CHANNEL_OTHER = "channel_other"
    INQUIRER_NAME = "inquirer_name"
    INQUIRER_UNIT = "inquirer_unit"
    INQUIRER_POSITION = "inquirer_position"
    UNIT_CATEGORY = "unit_category"
    RETIRED = "retired"
    MAIN_LEADER = "main_leader"
    INTERMEDIARY = "intermediary"
    INTERMEDIARY_NAME = "intermediary_name"
    INTERMEDIARY_RELATION = "intermediary_relation"
    CASE_NAME = "case_name"
    CASE_NUMBER = "case_number"
    DEPARTMENT = "department"
    SUMMARY = "summary"
    ART9 = "art9"
    ART9_OTHER = "art9_other"
    SERIOUS = "serious"
    PLACE = "place"
    PERSONS_PRESENT = "persons_present"
    STAFF_PRESENT = "staff_present"
    ROUTE = "route"
    ORIGINALS = "originals"
    ORIGINALS_NOTE = "originals_note"
    PLATFORM_REF = "platform_ref"


class Input(StrEnum):
    """How a question is answered: free text, one button, yes/no, a time, or several ticks."""

    TEXT = "text"
    CHOICE = "choice"
    YES_NO = "yes_no"
    TIME = "time"
    MULTI = "multi"


Parse = Callable[[Context, Record, str], Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class Field:
    """One intake question: the record ``columns`` it fills and how its answer is read.

    ``parse`` turns the typed text into column values (raising ``UserError`` with an
    example when it cannot); ``applies`` says whether the record needs the question at all
    (for example the oral inquiry's place only for in-person channels, Art. 3).
    """

    step: Step
    input: Input
    columns: tuple[str, ...]
    parse: Parse
    applies: Callable[[Record], bool] = lambda record: True
    optional: bool = False
    choices: tuple[str, ...] = ()
    labels: Callable[[Context, str], str] | None = None

    def answered(self, record: Record) -> bool:
        """Whether the record already answers the question: an optional one skipped counts
        as answered, a required one never (a draft skipped it before it was required)."""
        if self.step.value in record.fields.get("skipped", []):
            return self.optional
        if self.step is Step.RECEIVED_AT:
            return record.received_confirmed
        if self.step is Step.STAFF_PRESENT:
            return bool(record.fields.get("staff_present_answered"))
        return all(getattr(record, column) is not None for column in self.columns)


# -- predicates ---------------------------------------------------------------------------


def _external(record: Record) -> bool:
    return record.kind in (RecordKind.EXTERNAL, RecordKind.REFERENCE_OPINION)


def _in_person(record: Record) -> bool:
    return _external(record) and record.channel == Channel.IN_PERSON


def _external_only(record: Record) -> bool:
    return record.kind == RecordKind.EXTERNAL


def _with_materials(record: Record) -> bool:
    """Art. 4 and 6 ask about materials: an oral inquiry (in person, by phone) has none."""
    return record.channel not in ORAL_CHANNELS


# -- parsers ------------------------------------------------------------------------------


def misplaced(ctx: Context, text: str, *, person: bool = False) -> str | None:
    """What else the intake reads ``text`` as, by its own parsers: ``command``
    (``engine.split_command``), ``case_number`` (``storage.casenumber.case_number_shaped``),
    ``time`` (``timeparse.read_time``: a time of day, or a date), and where a ``person``'s
    name is asked ``title`` (``words.bare_title``: 局长 alone, naming nobody; 王局长 names
    someone) and ``self`` (the judge's own name); None when it is none of them. A person's
    name, unit or position is none of them: such an answer was meant for another question
    (typed one question late, say). A weekday alone of up to ``NAME_LIKE_DAY`` characters
    without a digit (``周一``, ``星期三``) may be a person's name (周一 as often as a Monday)
    and is left to be one; a day counted from today (``昨天``, ``前天``:
    ``timeparse.relative_day``) names nobody."""
    if split_command(text) is not None:
        return "command"
    if person and bare_title(text):
        return "title"
    staff = getattr(ctx, "staff", None)
    if person and staff is not None and staff_repo.same_person_name(text, staff.name):
        return "self"  # the judge's own name: the outside inquirer is someone else
    if case_number_shaped(text):
        return "case_number"
    try:
        read = read_time(text, now=ctx.now, tz=ctx.services.tz)
    except TimeParseError:
        return None
    if (
        read.clock is None
        and len(text) <= NAME_LIKE_DAY
        and not any(c.isdigit() for c in text)
        and not relative_day(text)  # 昨天 alone names nobody; 周一 may be someone
    ):
        return None
    return "time"


NAME_LIKE_DAY = 3
"""The longest day word alone (no time of day, no digit) still taken as a name: a weekday's
three characters (Wednesday's)."""


def answer_example(ctx: Context, column: str) -> str:
    """The catalog's example answer for ``column`` (``intake.example.<column>``); a unit's
    is placed in the court's own county or district, so a judge sees a unit of their place."""
    if column == "inquirer_unit":
        place = court_place(ctx.services.court_name) or ctx.t("intake.example_place")
        return ctx.t("intake.example.inquirer_unit", place=place)
    return ctx.t(f"intake.example.{column}")


def _apart(readings: Sequence[PersonParts]) -> bool:
    """Whether a name's readings (``units.person_readings``) carry a unit or a title to keep
    apart: one reading with either, or several of a name run straight into a unit
    (``PersonParts.joined``), where the name ends not written."""
    if len(readings) == 1:
        return bool(readings[0].unit or readings[0].title)
    return bool(readings) and all(read.joined for read in readings)


def _named_at_unit(record: Record, name: str) -> bool:
    """Whether a full name read at the unit question (``units.person_readings``) is a
    person's to notice (``units.person_name``: a surname opens it), other than the inquirer's
    own name already recorded, which the repeated-answer notice asks about."""
    return person_name(name) and name != record.inquirer_name


def _text(
    limit: int,
    column: str,
    *,
    words: bool = False,
    naming: bool = False,
    person: bool = False,
    unit: bool = False,
) -> Parse:
    """Free text up to ``limit`` characters; ``words``: it must hold a letter or character
    (a name, a unit, a case's name), so a bare ``15`` is refused with an example
    (``intake.example.<column>``) instead of stored as one; ``naming`` (a person, a unit, a
    position): text the intake reads as something else (``misplaced``: a command, a case
    number, a time) is refused, quoted back, with the example; ``person`` (a person's name):
    an official title alone too (``TitleNotName``), and the inquirer's name answered
    ``TITLE_AS_POSITION`` + a title (that refusal's button) keeps the title as the inquirer's
    position, the name still to be answered; a name a title ends (``TitleInName``), a unit
    and a title (``UnitNotName``), and as the inquirer's name a court staff member's, the
    judge's own among them (``CourtStaffName``, Art. 14), are refused with buttons
    (``PRESSES``, read by ``pressed_name``); so is a unit alone (``UnitNotName``), but for a
    commissioned reference opinion (Art. 5), which a unit may give. ``unit``
    (the inquirer's unit): a person's name, with or without a title or unit
    (``NameNotUnit``), is refused with buttons (``UNIT_PRESSES``, read by
    ``pressed_unit``)."""

    async def parse(ctx: Context, record: Record, text: str) -> dict[str, Any]:
        value = text.strip()
        if not value:
            raise UserError("intake.error.empty")
        if person and value.startswith(TITLE_AS_POSITION) and column == "inquirer_name":
            title = value.removeprefix(TITLE_AS_POSITION)
            if not bare_title(title) or record.inquirer_position is not None:
                raise UserError("error.stale_button")
            return {"inquirer_position": title}
        if person and value.startswith(PRESSES):
            return await pressed_name(ctx, record, column, value, parse)
        if unit and value.startswith(UNIT_PRESSES):
            return await pressed_unit(ctx, record, column, value)
        if len(value) > limit:
            raise UserError("intake.error.too_long", limit=limit)
        seems = misplaced(ctx, value, person=person) if naming else None
        if seems == "title":
            raise TitleNotName(ctx, record, column, value)
        if seems is not None and not (seems == "self" and column == "inquirer_name"):
            raise UserError(
                "intake.error.not_a_name",
                typed=value,
                seems=ctx.t(f"intake.seems.{seems}"),
                field=ctx.t(f"card.{column}"),
                example=answer_example(ctx, column),
            )
        if words and not any(character.isalpha() for character in value):
            raise UserError(
                "intake.error.no_words",
                typed=value,
                field=ctx.t(f"card.{column}"),
                example=answer_example(ctx, column),
            )
        if person and column == "inquirer_name" and aide_offered(record, value):
            raise AideInName(ctx, value)
        if person and column == "inquirer_name" and (staff := await court_staff(ctx, value)):
            raise CourtStaffName(ctx, record, value, staff)
        readings = person_readings(value) if person or unit else ()
        if person and _apart(readings):
            if readings[0].unit:  # 刘建华 县交通局 局长, 李明，县交通局局长, 刘建华县交通局
                raise UnitInName(ctx, record, column, value, readings)
            [parts] = readings  # 局长 李明
            raise TitleInName(ctx, record, column, value, parts.name, parts.title)
        if person and (split := title_at_end(value)) is not None:
            before, title = split
            found, rest = unit_head(before)
            if found and not rest:
                raise UnitNotName(ctx, record, column, value, found, title)
            if not found:
                raise TitleInName(ctx, record, column, value, before, title)
            if len(rest) > 1 and rest not in COMPOUND_SURNAMES:  # 县交通局李明局长
                read = PersonParts(rest, found, title)
                raise UnitInName(ctx, record, column, value, (read,))
        opinion = record.kind == RecordKind.REFERENCE_OPINION  # Art. 5: a unit may give it
        if person and not opinion and unit_alone(value):  # 县交通局, 市人大常委会
            raise UnitNotName(ctx, record, column, value, unit_head(value)[0], "")
        if unit and len(readings) == 1 and _named_at_unit(record, readings[0].name):
            [parts] = readings  # 李明, 局长李明, 县交通局李明 at the unit question
            staff = await court_staff(ctx, parts.name)
            raise NameNotUnit(ctx, record, value, parts, movable=staff is None)
        return {column: value}

    return parse


SPLIT_NAME = "name:"
"""A person's name answered ``name:<name>|<title>`` (``TitleInName``'s button): the name
without the title that ended it, the title kept as the inquirer's position (``|`` and
nothing after it: the position is left as it is)."""
UNIT_AND_TITLE = "unit:"
"""The inquirer's name answered ``unit:<unit>|<title>`` (``UnitNotName``'s button): a unit
and a title that named nobody, kept as the inquirer's unit and position where empty."""
NAMESAKE = "namesake:"
"""The inquirer's name answered ``namesake:<name>`` (``CourtStaffName``'s button): a court
staff member's name, the inquirer someone outside the court of the same name."""
ART14_PRESS = "art14:"
"""The inquirer's name answered ``art14:<name>`` (``CourtStaffName``'s button): the court's
own staff asked (Art. 14), which the intake confirms before withdrawing the draft
(``handlers.intake.ask.take``); never an answer stored."""
UNIT_NAME_TITLE = "person:"
"""The inquirer's name answered ``person:<name>|<unit>|<title>`` (``UnitInName``'s button):
a full name typed with a unit and/or a title, kept apart as the inquirer's name, unit and
position; an empty unit or title is left as it is, and those given must still be empty in
a draft and read back as typed (``units.person_parts``)."""
AIDE_PRESS = "aide:"
"""The inquirer's name answered ``aide:<typed>`` (``AideInName``'s button): an aide named
with the cadre (``units.aide_phrase``) typed as the inquirer's name, kept apart as the cadre
for the inquirer (an official title ending it kept as the position where empty), through the
cadre's staff (``Intermediary.STAFF``), the aide as the intermediary with the relation as
typed (Art. 2)."""
PRESSES = (SPLIT_NAME, UNIT_AND_TITLE, UNIT_NAME_TITLE, NAMESAKE, ART14_PRESS, AIDE_PRESS)
UNIT_AS_TYPED = "asunit:"
"""The inquirer's unit answered ``asunit:<typed>`` (``NameNotUnit``'s button): what reads as
a person's name is a unit's all the same (a company's named like a person), kept as typed."""
UNIT_PRESSES = (UNIT_NAME_TITLE, UNIT_AS_TYPED)
"""The presses the unit question reads (``pressed_unit``); ``UNIT_NAME_TITLE`` there moves a
name typed as the unit (a title and a name) to the inquirer's name, title and unit apart."""


def aide_offered(record: Record, typed: str) -> bool:
    """Whether ``typed`` as the inquirer's name is a cadre's aide named with the cadre
    (``units.aide_phrase``: 王书记的秘书小李) where the draft can take both apart: not yet
    submitted, no intermediary written yet."""
    return (
        record.submitted_at is None
        and record.intermediary_name is None
        and aide_phrase(typed) is not None
    )


def _title_ending(name: str) -> str | None:
    """The longest official title (``words.official_titles``) ending ``name`` after at least
    one other character (王书记 → 书记); None for none."""
    titles = sorted(official_titles(), key=len, reverse=True)
    return next((t for t in titles if name.endswith(t) and len(name) > len(t)), None)


async def court_staff(ctx: Context, name: str) -> Staff | None:
    """The active court staff member ``name`` names (``staff_named``), the judge's own name
    among them; None for none."""
    return await staff_named(ctx.session, name, own=getattr(ctx, "staff", None))


async def staff_named(session: AsyncSession, name: str, *, own: Staff | None) -> Staff | None:
    """The active court staff member ``name`` names (by ``storage.staff.person_key``), with
    or without words around it (``words.name_readings``: a department of this court before
    or after, a bracketed note, 同志, an official title before or after: ``刑事审判庭周强``,
    ``院长陈静``): ``own`` (the judge) when it is theirs, else the first active person of that
    name, the reading with the fewest words removed first; None for none."""
    departments = [department.name for department in await staff_repo.departments(session)]
    for reading in name_readings(name, departments):
        if own is not None and staff_repo.same_person_name(reading, own.name):
            return own
        if (staff := await staff_repo.active_named(session, reading)) is not None:
            return staff
    return None


async def pressed_name(
    ctx: Context, record: Record, column: str, value: str, parse: Parse
) -> dict[str, Any]:
    """A person's name given by a refusal's button (``PRESSES``), checked again as it came:
    the name split from its title is parsed as typed, then the title kept as the position
    where it is still empty in a draft; a unit and title keep what is still empty; a court
    staff member's namesake is taken as typed. Raises ``UserError`` (``error.stale_button``)
    for a press that no longer fits the record."""
    draft = record.submitted_at is None and column == "inquirer_name"
    _, _, tail = value.partition(":")
    first, bar, second = tail.partition("|")
    if value.startswith(SPLIT_NAME) and (
        not bar or title_at_end(tail.replace("|", "")) == (first, second)
    ):
        values = await parse(ctx, record, first)
        if bar:
            if not draft or record.inquirer_position is not None:
                raise UserError("error.stale_button")
            values["inquirer_position"] = second
        return values
    if (
        value.startswith(UNIT_AND_TITLE)
        and draft
        and (title_at_end(first + second) if second else unit_alone(first))
    ):
        kept = {"inquirer_unit": first, "inquirer_position": second}
        kept = {name: text for name, text in kept.items() if text and getattr(record, name) is None}
        if kept and unit_head(first) == (first, ""):
            return kept
    if value.startswith(UNIT_NAME_TITLE) and draft and tail.count("|") == 2:
        name, unit, title = tail.split("|")
        kept = {"inquirer_unit": unit, "inquirer_position": title}
        kept = {field: text for field, text in kept.items() if text}
        empty = all(getattr(record, field) is None for field in kept)
        read = PersonParts(name, unit, title)
        if kept and empty and person_parts(tail.replace("|", " ")) == read:
            return await parse(ctx, record, name) | kept
    if value.startswith(AIDE_PRESS) and column == "inquirer_name" and aide_offered(record, tail):
        cadre, relation, aide = aide_phrase(tail) or ("", "", "")
        values = await parse(ctx, record, cadre)
        position = _title_ending(cadre)
        if position is not None and record.inquirer_position is None:
            values["inquirer_position"] = position
        aside = {"intermediary_name": aide, "intermediary_relation": relation}
        return values | aside | {"intermediary": Intermediary.STAFF.value}
    if value.startswith(NAMESAKE) and column == "inquirer_name" and await court_staff(ctx, tail):
        return {column: tail}
    raise UserError("error.stale_button")


async def pressed_unit(ctx: Context, record: Record, column: str, value: str) -> dict[str, Any]:
    """The inquirer's unit given by ``NameNotUnit``'s buttons (``UNIT_PRESSES``), checked
    again as it came: what was typed (still read as a person) kept as the unit, or, in a
    draft, the name moved to the inquirer's name (replacing what it held) with the unit typed
    with it as the answer and the title as the position where still empty; never a court
    staff member's name (Art. 14 is asked at the name question). Raises ``UserError``
    (``error.stale_button``) for a press that no longer fits the record."""
    _, _, tail = value.partition(":")
    if value.startswith(UNIT_AS_TYPED) and len(person_readings(tail)) == 1:
        return {column: tail}
    if value.startswith(UNIT_NAME_TITLE) and record.submitted_at is None and tail.count("|") == 2:
        name, unit, title = tail.split("|")
        read = person_parts(tail.replace("|", " "))
        if read == PersonParts(name, unit, title) and await court_staff(ctx, name) is None:
            kept = {"inquirer_name": name, column: unit}
            if title and record.inquirer_position is None:
                kept["inquirer_position"] = title
            return {field: text for field, text in kept.items() if text}
    raise UserError("error.stale_button")


def _choice(column: str, enum: type[StrEnum]) -> Parse:
    async def parse(ctx: Context, record: Record, text: str) -> dict[str, Any]:
        value = _match_choice(ctx, text, enum)
        if value is None:
            raise UserError("intake.error.choose")
        return {column: value}

    return parse


def _match_choice(ctx: Context, text: str, enum: type[StrEnum]) -> str | None:
    wanted = text.strip().lower()
    for member in enum:
        if wanted in (member.value, label(member, ctx.language).lower()):
            return member.value
    return None


def _yes_no(column: str) -> Parse:
    async def parse(ctx: Context, record: Record, text: str) -> dict[str, Any]:
        answer = parse_yes_no(ctx, text)
        if answer is None:
            raise UserError("intake.error.yes_no")
        return {column: answer}

    return parse


def parse_yes_no(ctx: Context, text: str) -> bool | None:
    """Read a yes/no answer (是/否, y/n, the catalog's words); None when it is neither."""
    word = text.strip().lower()
    if word in (YES, "y", "是", "是的", "对", ctx.t("intake.yes").lower()):
        return True
    if word in (NO, "n", "否", "不是", "没有", "无", ctx.t("intake.no").lower()):
        return False
    return None


class DateOnly(UserError):
    """A day typed without the time of day where the day alone may stand (the inquiry);
    ``part``: the part of it given (``昨天下午``), which the hour asked next is read in."""

    def __init__(self, day: date, part: DayPart | None = None) -> None:
        super().__init__("intake.error.time_no_time")
        self.day = day
        self.part = part


HOUR_DAY, HOUR_OF, HOUR_PART = "day", "day_of", "day_part"
"""Dialogue-state keys while a day's hour is asked (``DateOnly``): the day, the column it is
for, the part of the day given (absent: none)."""


async def open_hour(ctx: Context, column: str) -> DateOnly | None:
    """The day (and part of it) whose hour is being asked for ``column``; None when none."""
    data = (await ctx.state()).data
    held = data.get(HOUR_DAY)
    if data.get(HOUR_OF) != column or not isinstance(held, str):
        return None
    part = data.get(HOUR_PART)
    return DateOnly(date.fromisoformat(held), DayPart(part) if isinstance(part, str) else None)


def day_part(ctx: Context, day: date, part: DayPart | None) -> str:
    """A day as the judge reads it back, with the part of it given: ``11月29日（周日）下午``."""
    shown = when(ctx, datetime.combine(day, time(0, 0), tzinfo=ctx.services.tz), clock=None)
    if part is None:
        return shown
    return ctx.t("time.day_part", day=shown, part=ctx.t(f"time.part.{part}"))


class Offer(UserError):
    """A refusal with answers to pick from: ``choices`` holds each as (button label, the
    answer it gives, read as if typed), in order."""

    def __init__(self, key: str, choices: tuple[tuple[str, str], ...], **values: Any) -> None:
        super().__init__(key, **values)
        self.choices = choices

    def buttons_with(self, prefix: str) -> tuple[Button, ...]:
        """The choices as buttons, each ``prefix`` + the answer it gives."""
        return tuple(Button(label, prefix + answer) for label, answer in self.choices)


TITLE_AS_POSITION = "position:"
"""The inquirer's name answered ``position:<title>``: the title refused as a name kept as
the inquirer's position (``TitleNotName``'s button)."""


class TitleNotName(Offer):
    """An official title alone typed as a person's name (``局长``): it names nobody. Where the
    inquirer's position is still empty in a draft, one choice keeps the title there
    (``TITLE_AS_POSITION``); the name is asked again either way."""

    def __init__(self, ctx: Context, record: Record, column: str, title: str) -> None:
        offer = (
            column == "inquirer_name"
            and record.inquirer_position is None
            and record.submitted_at is None
        )
        choices = (
            ((ctx.t("intake.title_as_position", title=title), TITLE_AS_POSITION + title),)
            if offer
            else ()
        )
        key = "intake.error.title_not_name" + ("_offer" if offer else "")
        super().__init__(key, choices, typed=title, field=ctx.t(f"card.{column}"))


class TitleInName(Offer):
    """A person's name typed with an official title after it (``刘建华局长``,
    ``words.title_at_end``): names and positions are kept apart. One choice keeps the name
    alone, and in a draft whose inquirer's position is still empty the title there
    (``SPLIT_NAME``); the name is asked again otherwise."""

    def __init__(
        self, ctx: Context, record: Record, column: str, typed: str, name: str, title: str
    ) -> None:
        position = (
            column == "inquirer_name"
            and record.inquirer_position is None
            and record.submitted_at is None
        )
        label = (
            ctx.t("intake.split_name_position", name=name, title=title)
            if position
            else ctx.t("intake.split_name", name=name)
        )
        choice = SPLIT_NAME + name + ("|" + title if position else "")
        super().__init__(
            "intake.error.title_in_name",
            ((label, choice),),
            typed=typed,
            title=title,
            field=ctx.t(f"card.{column}"),
        )


class UnitNotName(Offer):
    """A unit and an official title typed as a person's name (``交通局局长``), or a unit alone
    (``县交通局``, ``title`` empty: ``units.unit_alone``): no one is named. In a draft, one
    choice keeps the unit and the title as the inquirer's unit and position, where still empty
    (``UNIT_AND_TITLE``); the name is asked again either way."""

    def __init__(
        self, ctx: Context, record: Record, column: str, typed: str, unit: str, title: str
    ) -> None:
        draft = column == "inquirer_name" and record.submitted_at is None
        fields = ("inquirer_unit", "inquirer_position") if title else ("inquirer_unit",)
        empty = [name for name in fields if draft and getattr(record, name) is None]
        label = {
            2: "intake.unit_title_as_both",
            1: f"intake.unit_title_as.{empty[0]}" if empty else "",
        }.get(len(empty))
        choices = (
            ((ctx.t(label, unit=unit, title=title), f"{UNIT_AND_TITLE}{unit}|{title}"),)
            if label
            else ()
        )
        key = "intake.error." + ("unit_not_name" if title else "unit_alone")
        key += "_offer" if choices else ""
        super().__init__(
            key, choices, typed=typed, unit=unit, title=title, field=ctx.t(f"card.{column}")
        )


class UnitInName(Offer):
    """A unit and a full name, with or without an official title, typed as a person's name
    in any order (``县交通局李明局长``, ``刘建华 县交通局 局长``, ``交通局李明``,
    ``刘建华县交通局``: ``units.person_readings``): the name keeps neither. In a draft, one
    choice a reading records the name, and the unit and title each where the inquirer's is
    still empty (``UNIT_NAME_TITLE``); otherwise it records the name alone (``SPLIT_NAME``);
    the name is asked again either way. A name run straight into the unit is only ever
    proposed, one choice for each place the name may end (``PersonParts.joined``). A surname
    alone between them (``交通局王局长``) is a name as a judge may know one, never split."""

    def __init__(
        self,
        ctx: Context,
        record: Record,
        column: str,
        typed: str,
        readings: Sequence[PersonParts],
    ) -> None:
        draft = column == "inquirer_name" and record.submitted_at is None
        choices = [_split_choice(ctx, record, draft, read) for read in readings]
        first = readings[0]
        key = "unit_in_name_joined" if first.joined else "unit_in_name"
        super().__init__(
            f"intake.error.{key}" + ("" if first.title else "_untitled"),
            tuple(dict.fromkeys(choices)),
            typed=typed,
            unit=first.unit,
            title=first.title,
            field=ctx.t(f"card.{column}"),
        )


def _split_choice(ctx: Context, record: Record, draft: bool, read: PersonParts) -> tuple[str, str]:
    """The choice recording a name read with its unit and title (``UnitInName``): the unit
    and title each where the inquirer's is still empty in a draft (``UNIT_NAME_TITLE``), else
    the name alone (``SPLIT_NAME``)."""
    unit_kept = read.unit if draft and record.inquirer_unit is None else ""
    title_kept = read.title if draft and record.inquirer_position is None else ""
    label = {
        (True, True): "intake.split_unit_name_title",
        (True, False): "intake.split_name_unit",
        (False, True): "intake.split_name_position",
    }.get((bool(unit_kept), bool(title_kept)))
    if label is None:
        return ctx.t("intake.split_name", name=read.name), SPLIT_NAME + read.name
    return (
        ctx.t(label, name=read.name, unit=read.unit, title=read.title),
        f"{UNIT_NAME_TITLE}{read.name}|{unit_kept}|{title_kept}",
    )


class NameNotUnit(Offer):
    """A person's name, with or without a title or a unit (``李明``, ``局长李明``,
    ``县交通局李明``: ``units.person_readings``), typed as the inquirer's unit. In a draft,
    unless it is a court staff member's name (``movable`` False: Art. 14 is the name
    question's), one choice moves the name to the inquirer's name, with the unit as the answer
    and the title as the position where still empty (``UNIT_NAME_TITLE``); the other keeps it
    as typed, a unit's name that reads like a person's (``UNIT_AS_TYPED``)."""

    def __init__(
        self, ctx: Context, record: Record, typed: str, read: PersonParts, *, movable: bool
    ) -> None:
        choices: list[tuple[str, str]] = []
        if movable and record.submitted_at is None:
            title = read.title if record.inquirer_position is None else ""
            label = "intake.name_moved" + ("_position" if title else "")
            label += "_unit" if read.unit else ""
            choices.append(
                (
                    ctx.t(label, name=read.name, unit=read.unit, title=title),
                    f"{UNIT_NAME_TITLE}{read.name}|{read.unit}|{title}",
                )
            )
        keep = ctx.t("intake.unit_as_typed", typed=typed)
        choices.append((keep, UNIT_AS_TYPED + typed))
        key = "intake.error.name_not_unit" + ("_offer" if len(choices) > 1 else "")
        super().__init__(
            key,
            tuple(choices),
            typed=typed,
            name=read.name,
            keep=keep,
            move=choices[0][0],
            field=ctx.t("card.inquirer_unit"),
        )


class CourtStaffName(Offer):
    """The judge's own or another active court staff member's name typed as the outside
    inquirer's: Art. 14 (the court's own staff asking) falls under other rules and is not
    recorded here, so it is asked. In a draft one choice says it was (``ART14_PRESS``: the
    withdrawal is confirmed first, as the source question's 本院工作人员 is); the other keeps
    the name, an outside namesake (``NAMESAKE``)."""

    def __init__(self, ctx: Context, record: Record, typed: str, staff: Staff) -> None:
        own = staff.id == getattr(getattr(ctx, "staff", None), "id", None)
        who = ctx.t("intake.staff_who.self") if own else ctx.t("intake.staff_who.staff")
        art14 = (
            ((ctx.t("intake.staff_art14"), ART14_PRESS + typed),)
            if record.submitted_at is None
            else ()
        )
        choices = (*art14, (ctx.t("intake.staff_namesake", name=typed), NAMESAKE + typed))
        key = "intake.error.staff_name" + ("" if art14 else "_submitted")
        super().__init__(key, choices, typed=typed, who=who)


STAFF_RELAYS = "relays:"
"""The intermediary's name answered ``relays:<name>`` (``StaffIntermediary``'s button): a
court staff member did pass the cadre's inquiry on; the name is kept, the judge told that
the member's own part falls under Art. 14."""


class StaffIntermediary(Offer):
    """A court staff member's name (``court_staff``), the judge's own among them, typed as the
    intermediary's (转达者): the cadre's inquiry is still recorded as an outside one, but a
    member of the court passing it on is a matter for the rules on inquiries by the court's
    own staff (Art. 14), so the judge is asked whether it is that member (``STAFF_RELAYS``:
    the name kept, Art. 14 recalled) or someone outside of the same name (``NAMESAKE``: the
    name kept)."""

    def __init__(self, ctx: Context, typed: str, staff: Staff) -> None:
        own = staff.id == getattr(getattr(ctx, "staff", None), "id", None)
        who = ctx.t("intake.staff_who.self") if own else ctx.t("intake.staff_who.staff")
        relays = ctx.t("intake.staff_relays", name=staff.name)
        choices = (
            (relays, STAFF_RELAYS + typed),
            (ctx.t("intake.staff_namesake", name=typed), NAMESAKE + typed),
        )
        key = "intake.error.staff_intermediary"
        super().__init__(key, choices, typed=typed, who=who, label=relays)


class AideInName(Offer):
    """``X的秘书Y`` typed as the inquirer's name: Y is the intermediary, X the cadre on whose
    behalf (Art. 2), so it is not stored as the inquirer's name; one choice keeps them apart
    (``AIDE_PRESS``), else the name is asked again."""

    def __init__(self, ctx: Context, typed: str) -> None:
        phrase = aide_phrase(typed)
        assert phrase is not None
        cadre, relation, aide = phrase
        label = ctx.t("intake.aide_apart", cadre=cadre, aide=aide, relation=relation)
        values = {"cadre": cadre, "aide": aide, "relation": relation, "label": label}
        super().__init__("intake.error.aide_in_name", ((label, AIDE_PRESS + typed),),
                         typed=typed, **values)  # fmt: skip


class WhichTime(Offer):
    """A typed time the words leave open between several moments, none chosen: a weekday
    alone that is today's (``周六晚上10点`` on a Saturday, ``timeparse.Moment.other``: today or
    a week back) or an hour 1–12 without a part of the day (``3点``, ``Moment.twelve``: the
    morning's or the afternoon's, ``which_hour``). ``choices`` holds each meaning as (button
    label, the answer it gives: the time with its date written out on a 24-hour clock, which
    reads as one moment), in order; the meaning pressed is then checked as if typed."""


def which_week(ctx: Context, typed: str, read: Moment) -> WhichTime:
    """Today's weekday typed alone: today or a week back, today's first; a time still to
    come today is then refused as in the future, as typed."""
    assert read.other is not None
    days = (read.day, read.other)
    shown = [when(ctx, datetime.combine(day, time(0, 0), tzinfo=ctx.services.tz), clock=None)
             for day in days]  # fmt: skip
    clock = "" if read.clock is None else f" {read.clock:%H:%M}"
    if read.part is not None:  # 周一下午 on a Monday: the part goes with the day pressed
        clock = f" {PART_WORDS[read.part]}"
    choices = (
        (ctx.t("intake.which_week.today", day=shown[0]), days[0].isoformat() + clock),
        (ctx.t("intake.which_week.earlier", day=shown[1]), days[1].isoformat() + clock),
    )
    return WhichTime(
        "intake.error.time_which_week",
        choices,
        typed=typed.strip(),
        today=shown[0],
        earlier=shown[1],
    )


def which_hour(ctx: Context, typed: str, meanings: list[datetime]) -> WhichTime:
    """An unmarked hour with two or more plausible ``meanings`` (aware, in order): each a
    button (``今天 03:00``, ``昨天 15:00``, else the day written out)."""
    today = ctx.local(ctx.now).date()
    labels = []
    for moment in meanings:
        local = ctx.local(moment)
        back = (today - local.date()).days
        if back in (0, 1):
            labels.append(
                ctx.t(f"intake.which_hour.{('today', 'yesterday')[back]}", clock=f"{local:%H:%M}")
            )
        else:
            labels.append(when(ctx, moment))
    choices = tuple(
        (label, f"{ctx.local(moment):%Y-%m-%d %H:%M}")
        for label, moment in zip(labels, meanings, strict=True)
    )
    return WhichTime(
        "intake.error.time_which_hour",
        choices,
        typed=typed.strip(),
        meanings=ctx.t("intake.which_hour.or").join(labels),
    )


def time_refusal(ctx: Context, typed: str, error: TimeParseError) -> UserError:
    """The refusal of ``typed``, a time ``timeparse.read_time`` could not take: what was read
    of it and why the rest was not (``TimeParseError.problem``, one message a kind, each
    quoting ``typed``), with the forms accepted or a corrected example. The one place a
    parse failure becomes words: ``intake.error.time_<problem>`` (``…time_no_day_of_month``
    for a day of the month past 31, no month named; ``…time_dated_no_clock`` for NO_TIME)."""
    tz = ctx.services.tz
    values: dict[str, Any] = {"typed": typed.strip(), "forms": ctx.t("intake.time_forms")}
    key = error.problem.value
    numbers = error.numbers
    if error.day is not None:
        values["day"] = when(ctx, datetime.combine(error.day, time(0, 0), tzinfo=tz), clock=None)
    if error.clock is not None:
        values["clock"] = f"{error.clock:%H:%M}"
    values["part"] = error.part
    if error.problem is TimeProblem.NO_TIME:
        key = "dated_no_clock"
    elif error.problem is TimeProblem.NO_DAY:
        if "month" not in numbers:
            key = "no_day_of_month"
        else:
            year = numbers["year"]
            values["days"] = monthrange(year, numbers["month"])[1]
            values |= {"year": year, "month": numbers["month"]}
        values["mday"] = numbers["mday"]
    elif error.problem is TimeProblem.WEEKDAY and error.day is not None:
        named = error.day + timedelta(days=numbers["weekday"] - error.day.weekday())
        values["named"] = weekday(ctx.language, named)
    else:
        values |= numbers
    return UserError(f"intake.error.time_{key}", **values)


DAY_ONLY = "day:"
"""An inquiry-time answer ``day:YYYY-MM-DD``: that day, the time of day unknown."""


def when(ctx: Context, moment: datetime, *, clock: bool | None = True) -> str:
    """A time as the judge reads it back: ``11月28日（周六）15:00``, the year when not this
    year's; ``clock`` False: ``时间不详`` for the time of day, None: the day alone."""
    local = ctx.local(moment)
    day = day_words(ctx.language, local.date(), year=local.year != ctx.local(ctx.now).year)
    return ctx.t(
        "time.echo",
        day=day,
        clock=(
            local.strftime("%H:%M")
            if clock
            else ctx.t("time.unknown_clock")
            if clock is False
            else ""
        ),
    ).strip()


def day_only(record: Record) -> bool:
    """Whether only the day of the inquiry is known: ``reports.columns.day_only``, the one
    reading of the flag that the documents print by."""
    return columns.day_only(record)


def after_latest(ctx: Context, record: Record, latest: datetime) -> UserError:
    """The refusal of an inquiry time after ``latest`` (``receipt.latest_inquiry``), saying
    what ``latest`` is: the receipt time, or, where the receipt follows the inquiry (a call,
    a visit, a message) or no channel is given yet while the receipt time is the draft's
    opening (``opening_stands``), when the material or /new reached the bot (登记时间); never
    a receipt time the record does not show."""
    proposed = as_proposed(record)
    if receipt_follows(proposed):
        key = "sent" if stated_sent_at(proposed) else "arrival"
        return UserError(f"intake.error.inquiry_after_{key}", at=when(ctx, latest))
    if opening_stands(proposed):
        return UserError("intake.error.inquiry_after_arrival", at=when(ctx, latest))
    return UserError("intake.error.inquiry_after_receipt", received=when(ctx, latest))


def opening_stands(record: Record) -> bool:
    """Whether ``record``'s receipt time is only the draft's opening standing in for it: the
    channel not given yet (a call's or a visit's receipt will follow the inquiry's time), the
    receipt time not typed at its own question, and still the moment the draft was opened.
    A bound taken from it is the opening (登记时间), never a receipt time to correct."""
    return (
        record.channel is None
        and record.submitted_at is None
        and not record.fields.get(RECEIVED_TYPED)
        and record.received_at == record.created_at
    )


def _check_order(ctx: Context, record: Record, column: str, moment: datetime) -> None:
    """The inquiry is never after its receipt, whichever of the two is typed last."""
    if column == "inquiry_at":
        latest = latest_inquiry(as_proposed(record))
        if moment > latest + timedelta(minutes=1):
            raise after_latest(ctx, record, latest)
    elif record.inquiry_at is not None:
        inquiry = record.inquiry_at
        if day_only(record):
            late = ctx.local(inquiry).date() > ctx.local(moment).date()
        else:
            late = inquiry > moment + timedelta(minutes=1)
        if late:
            raise UserError(
                "intake.error.receipt_before_inquiry",
                inquiry=when(ctx, inquiry, clock=not day_only(record)),
            )


RULES_IN_FORCE = date(2021, 6, 23)
"""The day the court's rules took effect (the court's notice of 23 June 2021, Art. 16: in force
when issued): no inquiry recorded under them was received or made before it."""
FAR_BACK = timedelta(days=30)
"""A time further back than this is asked again to confirm: a typo of the year (2025 for
2026) would otherwise make every deadline long overdue."""
FAR_BACK_SEEN = "far_back"
"""Dialogue-state key: the time last refused as far back, which sent again is taken."""
FAR_BACK_TEXT = "far_back_text"
"""Dialogue-state key: the answer refused as far back, as typed (or pressed): the refusal's
confirm button sends it again (``far_back_buttons``)."""
FAR_OK = "far_ok"
FAR_NO = "far_no"
"""The far-back refusal's two buttons' actions: take the time, or type it again."""


CLOCK_SLACK = timedelta(minutes=5)
"""How far a time given may run ahead of the court's clock (a judge's watch a little fast):
later than now, or than the moment the draft was opened, by more is refused."""


def after_opening(ctx: Context, record: Record, moment: datetime) -> None:
    """Refuse a draft's receipt time later than the moment the draft was opened
    (``created_at``, by ``CLOCK_SLACK``): what opened the draft had reached the judge by then,
    so such a time is impossible, and would move every Art. 6 deadline past its breach.
    Raises ``UserError`` (``intake.error.received_after_opened``)."""
    opened = record.created_at
    if record.submitted_at is None and opened is not None and moment > opened + CLOCK_SLACK:
        raise UserError(
            "intake.error.received_after_opened",
            time=when(ctx, moment),
            opened=when(ctx, opened),
        )


async def check_settled(ctx: Context, record: Record, values: dict[str, Any]) -> None:
    """The receipt time an answer's ``values`` would give ``record`` by the receipt rule
    (``handlers.receipt.receipt_of``: a call's, a visit's, an electronic message's is the
    inquiry's time), checked as a typed one is: not before the rules, asked once to confirm
    when more than ``FAR_BACK`` ago (as the inquiry's time it is: the same confirmation
    serves both), never after the draft was opened. Raises ``UserError`` / ``FarBack``."""
    shadow = as_proposed(record)
    for column, value in values.items():
        if not column.startswith("_"):
            setattr(shadow, column, value)
    settled = receipt_of(shadow, ctx.services.tz)
    if settled is None or settled[0] == record.received_at:
        return
    moment, only_day = settled
    column = "inquiry_at" if moment == shadow.inquiry_at else "received_at"
    try:
        await _plausible(ctx, shadow, column, moment, clock=None if only_day else True)
    except FarBack:
        state = await ctx.state()
        state.data = {**state.data, FAR_BACK_STEP: Step.INQUIRY_AT.value}
        raise
    after_opening(ctx, record, moment)


FAR_BACK_STEP = "far_back_step"
"""Dialogue-state key: the question to ask again when a far-back time refused at another
question (the channel that makes the inquiry's time the receipt's) is to be typed again."""


class FarBack(UserError):
    """A receipt time more than ``FAR_BACK`` ago, refused once to be confirmed: by the same
    time sent again, or by the refusal's confirm button (``far_back_buttons``)."""


async def far_back_elsewhere(ctx: Context, refusal: UserError | None, step: Step) -> bool:
    """Whether ``refusal`` is a far-back time that is another question's than ``step``'s (an
    inquiry time made the receipt's by the channel chosen, ``check_settled``): its warning
    is then sent alone, under its own words, never under ``step``'s question."""
    if not isinstance(refusal, FarBack):
        return False
    other = (await ctx.state()).data.get(FAR_BACK_STEP)
    return other is not None and other != step.value


def far_back_buttons(ctx: Context, prefix: str) -> tuple[Button, ...]:
    """The far-back refusal's confirm and retype buttons, as other confirmations have:
    ``prefix`` + ``FAR_OK`` takes the time refused (``FAR_BACK_TEXT``), + ``FAR_NO`` asks
    again."""
    return (
        Button(ctx.t("intake.far_back_ok"), prefix + FAR_OK),
        Button(ctx.t("intake.far_back_no"), prefix + FAR_NO),
    )


async def far_back_answer(ctx: Context) -> str:
    """The answer last refused as far back, to be taken as confirmed; raises ``UserError``
    (``error.stale_button``) when there is none."""
    typed = (await ctx.state()).data.get(FAR_BACK_TEXT)
    if not isinstance(typed, str):
        raise UserError("error.stale_button")
    return typed


async def forget_far_back(ctx: Context) -> None:
    """Type it again: the time refused as far back is no longer confirmed by sending it."""
    state = await ctx.state()
    dropped = (FAR_BACK_SEEN, FAR_BACK_TEXT, FAR_BACK_STEP)
    state.data = {k: v for k, v in state.data.items() if k not in dropped}


async def _plausible(
    ctx: Context, record: Record, column: str, moment: datetime, *, clock: bool | None = True
) -> None:
    """Refuse a time before the rules took effect (``RULES_IN_FORCE``); for a receipt time
    (the deadlines count from it) more than ``FAR_BACK`` ago, ask once to confirm it (the
    same time sent again is taken), and so for an inquiry time that is the receipt time too
    (``handlers.receipt.receipt_follows``). Raises
    ``UserError`` (``intake.error.time_before_rules``, ``intake.error.time_far_back``)."""
    local = ctx.local(moment)
    if local.date() < RULES_IN_FORCE:
        start = datetime.combine(RULES_IN_FORCE, time(0, 0), tzinfo=ctx.services.tz)
        raise UserError(
            "intake.error.time_before_rules",
            time=when(ctx, moment, clock=clock),
            since=when(ctx, start, clock=None),
        )
    receipt = column == "received_at" or (
        column == "inquiry_at" and receipt_follows(as_proposed(record))
    )
    if not receipt or ctx.now - moment <= FAR_BACK:
        return
    state = await ctx.state()
    seen = f"{column}:{moment.isoformat()}"
    if state.data.get(FAR_BACK_SEEN) == seen:
        return
    state.data = {**state.data, FAR_BACK_SEEN: seen}
    days = (ctx.local(ctx.now).date() - local.date()).days
    raise FarBack("intake.error.time_far_back", time=when(ctx, moment, clock=clock), days=days)


def _time(column: str) -> Parse:
    async def parse(ctx: Context, record: Record, text: str) -> dict[str, Any]:
        try:
            return await read(ctx, record, text)
        except FarBack:
            state = await ctx.state()
            kept = {k: v for k, v in state.data.items() if k != FAR_BACK_STEP}
            state.data = {**kept, FAR_BACK_TEXT: text}
            raise

    async def read(ctx: Context, record: Record, text: str) -> dict[str, Any]:
        tz = ctx.services.tz
        if text == "same" and column == "inquiry_at":
            return {column: record.received_at, "_day_only": False}
        caption_time = record.fields.get(CAPTION_TIME)
        if text == CAPTION_VALUE and column == "inquiry_at":  # the caption's time, pressed
            if not isinstance(caption_time, str):
                raise UserError("error.stale_button")
            text = caption_time
        if text.startswith(DAY_ONLY) and column == "inquiry_at":
            try:
                day = date.fromisoformat(text[len(DAY_ONLY) :])
            except ValueError:
                raise UserError("error.stale_button") from None
            moment = datetime.combine(day, time(0, 0), tzinfo=tz)
            latest = latest_inquiry(as_proposed(record))
            if ctx.local(moment).date() > ctx.local(latest).date():
                raise after_latest(ctx, record, latest)
            await _plausible(ctx, record, column, moment, clock=None)
            return {column: moment, "_day_only": True}
        held = await open_hour(ctx, column)  # the day, and its part, whose hour is asked
        try:
            read = read_time(
                text,
                now=ctx.now,
                tz=tz,
                day=held.day if held else None,
                part=held.part if held else None,
            )
        except TimeParseError as problem:
            if problem.problem is TimeProblem.PART and held is not None and held.part:
                raise UserError(
                    "intake.error.time_part",
                    typed=text.strip(),
                    day=day_part(ctx, held.day, held.part),
                    part=ctx.t(f"time.part.{held.part}"),
                    example=ctx.t(f"time.part_example.{held.part}"),
                ) from None
            raise time_refusal(ctx, text, problem) from None
        if read.twelve:  # 3点: the morning's or the afternoon's, asked when both may be
            read = _one_half(ctx, record, column, text, read, undated=not read.dated and not held)
        if read.other is not None:  # today or a week back: asked when both fit
            read = _one_week(ctx, record, column, text, read)
        if read.clock is None:
            day = read.at(tz)
            if read.day > ctx.local(ctx.now).date():
                raise UserError("intake.error.time_future", time=when(ctx, day, clock=None))
            if read.day < RULES_IN_FORCE:
                await _plausible(ctx, record, column, day, clock=None)
            latest = latest_inquiry(as_proposed(record))
            if column == "inquiry_at" and read.day > ctx.local(latest).date():
                raise after_latest(ctx, record, latest)
            if column == "inquiry_at":
                raise DateOnly(read.day, read.part)
            no_clock = TimeParseError(TimeProblem.NO_TIME, day=read.day)
            raise time_refusal(ctx, text, no_clock)
        moment = read.at(tz)
        if moment > ctx.now + CLOCK_SLACK:
            earlier = read.other  # today's weekday typed alone: the week back
            if not read.dated and held is None:  # no day typed: yesterday
                earlier = ctx.local(moment).date() - timedelta(days=1)
            raise future(ctx, record, column, moment, earlier=earlier)
        await _plausible(ctx, record, column, moment)
        if column == "received_at":
            after_opening(ctx, record, moment)
        _check_order(ctx, record, column, moment)
        values: dict[str, Any] = {column: moment}
        if column == "received_at":
            values["received_confirmed"] = True
            values["_received_typed"] = True
        else:
            values["_day_only"] = False
        return values

    return parse


def future(
    ctx: Context, record: Record, column: str, moment: datetime, *, earlier: date | None
) -> UserError:
    """The refusal of ``moment``, a time still to come: the one help every time answer (the
    intake's and each correction's, ``_time``) gives. ``earlier``: the one day before
    ``moment``'s that the words may mean as well (yesterday for a time typed with no day,
    ``下午3点`` at 09:00; a week back for today's weekday typed alone, ``周三下午3点`` on a
    Wednesday morning, ``_one_week``), or None where the words name the day (``今天下午3点``:
    refused as it is). That day's reading is offered as a button (``Offer``) where ``column``
    could take it (``_fits``), else the refusal says why it cannot (``_order_refusal``)."""
    shown = when(ctx, moment)
    if earlier is None:
        return UserError("intake.error.time_future", time=shown)
    local = ctx.local(moment)
    before = datetime.combine(earlier, local.time(), tzinfo=local.tzinfo)
    clock = f"{before:%H:%M}"
    if (local.date() - earlier).days == 1:
        key, label = "yesterday", ctx.t("intake.which_hour.yesterday", clock=clock)
    else:
        day = weekday(ctx.language, earlier)
        key, label = "week", ctx.t("intake.which_hour.week_back", weekday=day, clock=clock)
    if _fits(ctx, record, column, before):
        choices = ((label, f"{before:%Y-%m-%d %H:%M}"),)
        return Offer(f"intake.error.time_future_{key}", choices, time=shown, earlier=label)
    why = _order_refusal(ctx, record, column, before)
    if why is None:  # before the rules: nothing to offer, refused as typed
        return UserError("intake.error.time_future", time=shown)
    said = ctx.t(why.key, **why.values)
    return UserError("intake.error.time_future_unfit", time=shown, earlier=label, why=said)


def _one_half(
    ctx: Context, record: Record, column: str, typed: str, read: Moment, *, undated: bool
) -> Moment:
    """An unmarked hour (``Moment.twelve``) as the one meaning that fits, or asked.

    Each day the words may mean (today's weekday: a week back too) has a morning's and an
    afternoon's reading; with no day given (``undated``) each is the latest not in the
    future (``3点`` at 09:00: today's 03:00 or yesterday's 15:00). A reading fits when
    ``_fits`` it. Two or more that fit are asked (``which_hour``); one is the answer; a day
    none of whose readings fits keeps the reading as typed, to be refused as typed.
    Raises ``WhichTime``."""
    tz = ctx.services.tz
    limit = ctx.now + CLOCK_SLACK
    meanings: list[datetime] = []
    for day in (read.day, *([read.other] if read.other is not None else [])):
        for clock in read.halves():
            moment = datetime.combine(day, clock, tzinfo=tz)
            if undated and moment > limit:
                moment = datetime.combine(day - timedelta(days=1), clock, tzinfo=tz)
            if _fits(ctx, record, column, moment):
                meanings.append(moment)
    if len(meanings) > 1:
        raise which_hour(ctx, typed, meanings)
    if not meanings:
        return Moment(day_as_typed(ctx, read), read.clock, read.dated)
    local = ctx.local(meanings[0])
    return Moment(local.date(), local.time(), read.dated)


def _one_week(ctx: Context, record: Record, column: str, typed: str, read: Moment) -> Moment:
    """Today's weekday typed alone (``Moment.other``): today or a week back, as the one
    that fits, or asked. A day fits when its reading passes the answer's own checks
    (``_fits`` with a time of day; a day alone: not after today, not before the rules, an
    inquiry's not after its receipt's day, and only where a day alone may stand). Both
    fitting are asked (``which_week``); today's alone fitting is the answer; the week back's
    alone is never taken unasked (a record dated a week back starts overdue): today's
    reading stands, to be refused as it is (``周六晚上10点`` at Saturday 20:00: not yet come,
    and ``future`` offers the week back as a button), as it does when neither fits and
    today's is still to come (``future`` then says why the week back cannot be either);
    neither fitting otherwise keeps today's reading, refused as typed. Raises
    ``WhichTime``."""
    assert read.other is not None
    fitting = [day for day in (read.day, read.other) if _day_fits(ctx, record, column, day, read)]
    if len(fitting) > 1:
        raise which_week(ctx, typed, read)
    if fitting == [read.day]:
        return replace(read, other=None)
    if fitting == [read.other] or day_as_typed(ctx, read) == read.other:
        # Never a week back unasked: today's reading stands, refused as it is (still to
        # come: ``future`` offers the week back, or says why it cannot be either).
        return read
    return replace(read, other=None)


def _day_fits(ctx: Context, record: Record, column: str, day: date, read: Moment) -> bool:
    """Whether ``read``'s time of day on ``day`` is an answer ``column`` could take."""
    tz = ctx.services.tz
    if read.clock is not None:
        return _fits(ctx, record, column, datetime.combine(day, read.clock, tzinfo=tz))
    latest = ctx.local(latest_inquiry(as_proposed(record))).date()
    today = ctx.local(ctx.now).date()
    return column == "inquiry_at" and RULES_IN_FORCE <= day <= min(latest, today)


def day_as_typed(ctx: Context, read: Moment) -> date:
    """The day ``read`` means where none is chosen for it: today's weekday typed alone
    (``Moment.other``) is today, but the week back where today's reading is still to come
    (it cannot be meant); any other reading is its own day."""
    if read.other is None:
        return read.day
    today = datetime.combine(read.day, read.clock or time(0, 0), tzinfo=ctx.services.tz)
    return read.other if today > ctx.now + CLOCK_SLACK else read.day


def _fits(ctx: Context, record: Record, column: str, moment: datetime) -> bool:
    """Whether ``moment`` is a time ``column`` could take: not in the future (by
    ``CLOCK_SLACK``), not before the rules, and passing ``_order_refusal``."""
    if moment > ctx.now + CLOCK_SLACK or ctx.local(moment).date() < RULES_IN_FORCE:
        return False
    return _order_refusal(ctx, record, column, moment) is None


def _order_refusal(ctx: Context, record: Record, column: str, moment: datetime) -> UserError | None:
    """Why ``column`` cannot take ``moment`` by the record's own times: out of order with
    the record's other time (``_check_order``), or a draft's receipt after its opening
    (``after_opening``); None when neither refuses it."""
    try:
        if column == "received_at":
            after_opening(ctx, record, moment)
        _check_order(ctx, record, column, moment)
    except UserError as refused:
        return refused
    return None


async def _received_ok(ctx: Context, record: Record, text: str) -> dict[str, Any]:
    if text == "ok":
        return {"received_confirmed": True}
    return await _time("received_at")(ctx, record, text)


async def _source(ctx: Context, record: Record, text: str) -> dict[str, Any]:
    """The source (Art. 2, 5, 14). A reference opinion's originals go to the main file (Art.
    5), set with the answer; answered back to an external inquiry, the main file goes with
    it (``handlers.originals.before_art5``: the judge's earlier answer, or none, asked)."""
    value = _match_choice(ctx, text, RecordKind)
    if value is None:
        raise UserError("intake.error.choose")
    values: dict[str, Any] = {"kind": value}
    if value == RecordKind.REFERENCE_OPINION:  # Art. 5: its originals go to the main file
        values["originals_destination"] = OriginalsDestination.MAIN_FILE
        values["originals_note"] = None  # as for any other destination (``_originals``)
    elif value == RecordKind.EXTERNAL and originals.set_by_art5(record):
        values.update(await originals.before_art5(ctx.session, record))
    return values


async def _channel(ctx: Context, record: Record, text: str) -> dict[str, Any]:
    values = await _choice("channel", Channel)(ctx, record, text)
    if values["channel"] != Channel.OTHER:
        values["channel_other"] = None
    try:
        await check_settled(ctx, record, values)
    except FarBack:
        state = await ctx.state()
        state.data = {**state.data, FAR_BACK_TEXT: text}
        raise
    return values


INQUIRER_IS_INTERMEDIARY = "inquirer:"
"""The intermediary's name answered so (``move_inquirer``'s button): the person written as
the inquirer is the intermediary; the inquirer's answers are cleared, to be given for the
leading cadre on whose behalf (Art. 2)."""

_INQUIRER_COLUMNS = (
    "inquirer_name",
    "inquirer_unit",
    "inquirer_position",
    "unit_category",
    "retired",
    "main_leader",
)
"""What the inquirer's questions stored about the person: cleared when that person moves to
the intermediary, so each is answered (or presumed) again for the leading cadre."""


def _same_person(one: str | None, other: str | None) -> bool:
    if not one or not other:
        return False
    squeeze = str.maketrans("", "", " \u3000")
    return one.translate(squeeze) == other.translate(squeeze)


def inquirer_movable(record: Record) -> bool:
    """Whether the person written as the inquirer can be moved to the intermediary: a draft
    with an inquirer's name and no intermediary's name yet."""
    return (
        record.submitted_at is None and bool(record.inquirer_name) and not record.intermediary_name
    )


async def _intermediary_name(ctx: Context, record: Record, text: str) -> dict[str, Any]:
    """The intermediary's name (Art. 2: who passed it on, for whom). The same person as the
    inquirer is refused: the inquirer is the leading cadre on whose behalf; in a draft the
    refusal offers to move that person to the intermediary (``INQUIRER_IS_INTERMEDIARY``).
    Raises ``UserError`` (``Offer``) so."""
    if text == INQUIRER_IS_INTERMEDIARY:
        if not inquirer_movable(record):
            raise UserError("error.stale_button")
        values: dict[str, Any] = {column: None for column in _INQUIRER_COLUMNS}
        values["intermediary_name"] = record.inquirer_name
        if not record.intermediary_relation and reads_as_aide(record.inquirer_position):
            values["intermediary_relation"] = record.inquirer_position
        ctx.reply(ctx.t("intake.inquirer_moved", name=record.inquirer_name))
        return values
    if text.startswith((STAFF_RELAYS, NAMESAKE)):  # ``StaffIntermediary``'s buttons
        _, _, kept = text.partition(":")
        if await court_staff(ctx, kept) is None or _same_person(kept, record.inquirer_name):
            raise UserError("error.stale_button")
        if text.startswith(STAFF_RELAYS):
            ctx.reply(ctx.t("intake.staff_relays_noted", name=kept))
        return {"intermediary_name": kept}
    values = await _text(MAX_SHORT, "intermediary_name", words=True, naming=True, person=True)(
        ctx, record, text
    )
    named = values.get("intermediary_name")
    inquirer = _same_person(named, record.inquirer_name)
    if named is not None and not inquirer and (staff := await court_staff(ctx, named)):
        raise StaffIntermediary(ctx, named, staff)
    if _same_person(values.get("intermediary_name"), record.inquirer_name):
        # In a draft the question carries the button that moves the person (``ask``).
        key = "intake.error.intermediary_is_inquirer"
        if inquirer_movable(record):
            key += "_move"
        name = record.inquirer_name
        raise UserError(key, name=name, label=ctx.t("intake.move_inquirer", name=name))
    return values


async def _intermediary(ctx: Context, record: Record, text: str) -> dict[str, Any]:
    values = await _choice("intermediary", Intermediary)(ctx, record, text)
    if values["intermediary"] == Intermediary.NONE:
        values["intermediary_name"] = None
        values["intermediary_relation"] = None
    return values


NOT_FILED_HINT = "intake.error.not_filed_press"
"""The refusals' last sentence at the case-number question, which names its "not filed"
button (their ``{not_filed}``); asked elsewhere, the caller puts its own in its place."""


CASE_AS_TYPED = "case:"
"""The case number answered ``case:<number>`` (``AppealAtBasicCourt``'s button): a
second-instance type at a basic-level court, kept as the judge confirmed it."""


class AppealAtBasicCourt(Offer):
    """A second-instance (appeal) type code at a basic-level court (``（2026）豫0825民终1234
    号``, ``casenumber.appeal_at_basic_court``): likely a slip, so asked, not refused; one
    choice keeps the number as typed (``CASE_AS_TYPED``)."""

    def __init__(self, ctx: Context, parsed: CaseNumber, example: str) -> None:
        number = parsed.text
        super().__init__(
            "intake.error.case_appeal_at_basic",
            (
                (
                    ctx.t("intake.case_appeal_keep", number=number),
                    CASE_AS_TYPED + parsed.compact,  # a button's data is short
                ),
            ),
            number=number,
            type=parsed.type_code,
            type_name=type_name(parsed.type_code) or parsed.type_code,
            court=court_name(parsed.court_code) or parsed.court_code,
            example=example,
        )


async def _case_number(ctx: Context, record: Record, text: str) -> dict[str, Any]:
    """A case number of this court (Art. 2: the cases its judges handle), or not filed.

    Raises ``UserError`` saying what is wrong, with an example in the court's own code: a
    part the SPC tables do not know, a serial past ``MAX_SERIAL``, another court's code;
    ``AppealAtBasicCourt`` for a second-instance type at a basic-level court, unless the
    judge confirmed it (``CASE_AS_TYPED``)."""
    if text == "not_filed":
        return {"case_number": None, "case_not_filed": True}
    confirmed = text.startswith(CASE_AS_TYPED)
    text = text.removeprefix(CASE_AS_TYPED)
    year = ctx.local(ctx.now).year
    own = ctx.services.court_code.strip()
    shown = example(own, year)
    try:
        parsed = parse_case_number(text, year_now=year)
    except CaseNumberError as problem:
        if several_case_numbers(text):
            raise UserError("intake.error.case_several", example=shown) from None
        raise UserError(
            f"intake.error.case_{problem.reason.value}",
            part=problem.part or "",
            example=shown,
            year=year,
            max=MAX_SERIAL,
            digits=len(str(MAX_SERIAL)),
            not_filed=ctx.t(NOT_FILED_HINT),
        ) from None
    if isinstance(parsed, NotFiled):
        return {"case_number": None, "case_not_filed": True}
    if own and parsed.court_code != own:
        raise UserError(
            "intake.error.case_other_court",
            part=parsed.court_code,
            court=court_name(parsed.court_code) or parsed.court_code,
            own=own,
            own_court=ctx.services.court_name or court_name(own) or own,
            example=shown,
            not_filed=ctx.t(NOT_FILED_HINT),
        )
    if not confirmed and appeal_at_basic_court(parsed):
        raise AppealAtBasicCourt(ctx, parsed, shown)
    return {"case_number": parsed.text, "case_not_filed": False}


async def _department(ctx: Context, record: Record, text: str) -> dict[str, Any]:
    """The handling department: one where handlers work (``staff.handling_departments``)."""
    department = await staff_repo.find_department(ctx.session, text)
    if department is None:
        raise UserError("intake.error.department", name=text.strip())
    handling = await staff_repo.handling_departments(ctx.session, None)
    if department.id not in {d.id for d in handling}:
        names = join(ctx.language, (d.name for d in handling))
        raise UserError("intake.error.department_handles_none", name=department.name, names=names)
    return {"department_id": department.id}


async def _art9(ctx: Context, record: Record, text: str) -> dict[str, Any]:
    items = parse_art9(text)
    if items is None:
        raise UserError("intake.error.art9")
    values: dict[str, Any] = {"art9_items": items}
    if ART9_OTHER_ITEM not in items:
        values["art9_other"] = None
    return values


ART9_OTHER_ITEM = 14
"""Art. 9 item (14), other behaviour that should be reported specially: which, in words."""


def _art9_other(record: Record) -> bool:
    return _external_only(record) and ART9_OTHER_ITEM in (record.art9_items or [])


def parse_art9(text: str) -> list[int] | None:
    """``1,4,13`` / ``1、4`` / ``无`` / ``none`` as a sorted list of Art. 9 item numbers."""
    cleaned = text.strip().lower()
    if cleaned in ("无", "没有", "none", "no", "0"):
        return []
    parts = [p for p in cleaned.replace("，", ",").replace("、", ",").replace(" ", ",").split(",")]
    numbers: set[int] = set()
    for part in parts:
        if not part:
            continue
        number = parse_int(part)
        if number is None or number not in ART9_ITEMS:
            return None
        numbers.add(number)
    return sorted(numbers) if numbers else None


STAFF_OFFLINE_PRESS = "!offline"
"""The value of the button at the court-staff-present question (and at its correction) that
records the names typed there that are not in the bot as court staff present who sign by
hand (co-signer rows without a staff id, ``storage.models.RecordCosigner``)."""

STAFF_TYPED = "staff_typed"
"""Key, in the dialogue state's data, of the names last typed at the court-staff-present
question with some not in the bot: what ``STAFF_OFFLINE_PRESS`` records."""

NAME_PARTS = re.compile(r"[，、,;；\s]+")
"""What separates names in a list typed by the judge, spaces included (to notice names)."""

LIST_PARTS = re.compile(r"\s*[，、,;；]\s*")
"""What separates the items of a list typed by the judge, spaces kept inside an item."""
OFFLINE_NAME_LIMIT = 30


async def _persons_present(ctx: Context, record: Record, text: str) -> dict[str, Any]:
    """The persons present who are not court staff (Art. 3), as typed; the court staff among
    them (a part that is exactly an active staff member's name, not the handler) are noted
    (``_staff_named``, their ids) for the 在场本院人员 question to offer to move, since only
    court staff present are asked to co-sign."""
    values = await _text(MAX_LONG, "persons_present")(ctx, record, text)
    named: list[int] = []
    for part in NAME_PARTS.split(str(values["persons_present"])):
        if not part or parse_int(part) is not None:
            continue
        try:
            person = await staff_repo.find_staff(ctx.session, part)
        except StaffError:
            continue
        if person.active and person.id != record.handler_id and person.id not in named:
            named.append(person.id)
    values["_staff_named"] = named
    return values


async def staff_named_elsewhere(ctx: Context, record: Record) -> list[Staff]:
    """The court staff the judge named among the persons present who are not court staff
    and has not yet named as court staff present: those the 在场本院人员 question offers to
    move (``storage.records.STAFF_IN_PERSONS``)."""
    ids = record.fields.get(STAFF_IN_PERSONS) or []
    present = {c.staff_id for c in record.cosigners if c.staff_id is not None}
    people = [await ctx.session.get(Staff, int(i)) for i in ids if int(i) not in present]
    return [p for p in people if p is not None and p.active]


async def _staff_present(ctx: Context, record: Record, text: str) -> dict[str, Any]:
    """Names of the court staff present, separated by 、 , or ；; 无 for nobody.

    Spaces separate names only when nothing else does and the whole text is not one name
    (an English name has a space in it). At the intake, a name no staff member has is
    refused with an offer (``intake.error.staff_offline_offer``): the button
    ``STAFF_OFFLINE_PRESS`` records those names as court staff present who are not in the
    bot (``_staff_offline``), signing by hand. A correction makes the same offer; a name
    the record already holds as not in the bot is kept without asking.
    """
    cleaned = text.strip()
    state = await ctx.state()
    offline_ok = cleaned == STAFF_OFFLINE_PRESS
    if offline_ok:
        cleaned = str(state.data.get(STAFF_TYPED) or "")
        if not cleaned or record.status not in (RecordStatus.DRAFT, RecordStatus.SUBMITTED):
            raise UserError("error.stale_button")
    known = {c.name for c in record.cosigners if c.staff_id is None}
    if " ".join(cleaned.split()).casefold() in NONE_WORDS:
        return {"_staff_present": [], "_staff_offline": []}
    unified = re.sub(r"[，、;；]", ",", cleaned)
    if "," not in unified and " " in unified:
        try:
            await staff_repo.find_staff(ctx.session, unified)
        except StaffError:
            unified = re.sub(r"\s+", ",", unified)
    refs = [part.strip() for part in unified.split(",")]
    people: list[Staff] = []
    unknown: list[str] = []
    for ref in [r for r in refs if r]:
        try:
            person = await staff_repo.find_staff(ctx.session, ref)
        except StaffError as problem:
            if _offline_name(ref) and problem.problem is StaffProblem.NOT_FOUND:
                unknown += [ref] if ref not in unknown else []
                continue
            raise UserError(
                f"intake.error.staff_{problem.problem.value}", ref=problem.ref
            ) from None
        if not person.active:
            raise UserError("intake.error.staff_inactive", ref=ref)
        if person.id == record.handler_id:
            raise UserError("intake.error.self_present")
        if person.id not in [p.id for p in people]:
            people.append(person)
    if set(unknown) - known and not offline_ok:
        state.data = {**state.data, STAFF_TYPED: cleaned}
        names = join(ctx.language, [name for name in unknown if name not in known])
        raise UserError("intake.error.staff_offline_offer", names=names)
    if not people and not unknown:
        raise UserError("intake.error.empty")
    return {"_staff_present": people, "_staff_offline": unknown}


def _offline_name(ref: str) -> bool:
    """Whether ``ref`` may be the name of a staff member not in the bot: a few words, with a
    letter or character in them, not a staff number."""
    return (
        len(ref) <= OFFLINE_NAME_LIMIT
        and any(character.isalpha() for character in ref)
        and parse_int(ref) is None
    )


async def _originals(ctx: Context, record: Record, text: str) -> dict[str, Any]:
    values = await _choice("originals_destination", OriginalsDestination)(ctx, record, text)
    if values["originals_destination"] != OriginalsDestination.ELSEWHERE:
        values["originals_note"] = None
    return values


_COMMON_CHANNELS = (Channel.IN_PERSON, Channel.PHONE, Channel.WECHAT, Channel.SMS)
CHANNEL_ORDER: tuple[Channel, ...] = (
    *_COMMON_CHANNELS,
    *(c for c in Channel if c not in _COMMON_CHANNELS),
)
"""The channel buttons' one order, on every path into the question: the channels judges
meet most first (in person, phone, WeChat, SMS), then the rest in Art. 3's order. A judge
who types a channel's number from memory presses the same channel on every record."""


def _enum_labels(enum: type[StrEnum]) -> Callable[[Context, str], str]:
    def render(ctx: Context, value: str) -> str:
        return label(enum(value), ctx.language)

    return render


def _kind_label(ctx: Context, value: str) -> str:
    return ctx.t(f"intake.source.{value}")


FIELDS: tuple[Field, ...] = (
    Field(Step.RECEIVED_AT, Input.TIME, ("received_at",), _received_ok),
    Field(
        Step.SOURCE,
        Input.CHOICE,
        ("kind",),
        _source,
        choices=tuple(k.value for k in RecordKind),
        labels=_kind_label,
    ),
    Field(
        Step.INQUIRY_AT, Input.TIME, ("inquiry_at",), _time("inquiry_at"), _external, optional=True
    ),
    Field(
        Step.CHANNEL,
        Input.CHOICE,
        ("channel",),
        _channel,
        _external,
        choices=tuple(c.value for c in CHANNEL_ORDER),
        labels=_enum_labels(Channel),
    ),
    Field(
        Step.CHANNEL_OTHER,
        Input.TEXT,
        ("channel_other",),
        _text(MAX_SHORT, "channel_other"),
        lambda r: _external(r) and r.channel == Channel.OTHER,
    ),
    Field(
        Step.INQUIRER_NAME,
        Input.TEXT,
        ("inquirer_name",),
        _text(MAX_SHORT, "inquirer_name", words=True, naming=True, person=True),
        _external,
    ),
    Field(
        Step.INQUIRER_UNIT,
        Input.TEXT,
        ("inquirer_unit",),
        _text(200, "inquirer_unit", words=True, naming=True, unit=True),
        _external,
    ),
    Field(
        Step.INQUIRER_POSITION,
        Input.TEXT,
        ("inquirer_position",),
        _text(200, "inquirer_position", words=True, naming=True),
        _external,
    ),
    Field(
        Step.UNIT_CATEGORY,
        Input.CHOICE,
        ("unit_category",),
        _choice("unit_category", UnitCategory),
        _external,
        choices=tuple(c.value for c in UnitCategory),
        labels=_enum_labels(UnitCategory),
    ),
    Field(Step.RETIRED, Input.YES_NO, ("retired",), _yes_no("retired"), _external_only),
    Field(Step.MAIN_LEADER, Input.YES_NO, ("main_leader",), _yes_no("main_leader"), _external_only),
    Field(
        Step.INTERMEDIARY,
        Input.CHOICE,
        ("intermediary",),
        _intermediary,
        _external_only,
        choices=tuple(i.value for i in Intermediary),
        labels=_enum_labels(Intermediary),
    ),
    Field(
        Step.INTERMEDIARY_NAME,
        Input.TEXT,
        ("intermediary_name",),
        _intermediary_name,
        lambda r: (
            _external_only(r) and r.intermediary in (Intermediary.STAFF, Intermediary.RELATIVE)
        ),
    ),
    Field(
        Step.INTERMEDIARY_RELATION,
        Input.TEXT,
        ("intermediary_relation",),
        _text(MAX_SHORT, "intermediary_relation"),
        lambda r: (
            _external_only(r) and r.intermediary in (Intermediary.STAFF, Intermediary.RELATIVE)
        ),
        optional=True,
    ),
    Field(
        Step.CASE_NAME, Input.TEXT, ("case_name",), _text(300, "case_name", words=True), _external
    ),
    Field(Step.CASE_NUMBER, Input.TEXT, ("case_not_filed",), _case_number, _external),
    Field(Step.DEPARTMENT, Input.TEXT, ("department_id",), _department, _external),
    Field(
        Step.SUMMARY, Input.TEXT, ("summary",), _text(MAX_LONG, "summary", words=True), _external
    ),
    Field(Step.ART9, Input.MULTI, ("art9_items",), _art9, _external_only),
    Field(Step.ART9_OTHER, Input.TEXT, ("art9_other",), _text(MAX_LONG, "art9_other"), _art9_other),
    Field(Step.SERIOUS, Input.YES_NO, ("serious",), _yes_no("serious"), _external_only),
    Field(Step.PLACE, Input.TEXT, ("place",), _text(300, "place"), _in_person),
    Field(
        Step.PERSONS_PRESENT,
        Input.TEXT,
        ("persons_present",),
        _persons_present,
        _in_person,  # Art. 3: an oral inquiry's persons present are recorded (无 if nobody)
    ),
    Field(Step.STAFF_PRESENT, Input.TEXT, (), _staff_present, _in_person),
    Field(
        Step.ROUTE,
        Input.CHOICE,
        ("material_route",),
        _choice("material_route", MaterialRoute),
        lambda r: _external_only(r) and _with_materials(r),
        choices=tuple(r.value for r in MaterialRoute),
        labels=_enum_labels(MaterialRoute),
    ),
    Field(
        Step.ORIGINALS,
        Input.CHOICE,
        ("originals_destination",),
        _originals,
        lambda r: _external(r) and _with_materials(r),
        choices=(
            OriginalsDestination.SUB_FILE.value,
            OriginalsDestination.ELSEWHERE.value,
            OriginalsDestination.NO_ORIGINAL.value,
        ),
        labels=_enum_labels(OriginalsDestination),
    ),
    Field(
        Step.ORIGINALS_NOTE,
        Input.TEXT,
        ("originals_note",),
        _text(300, "originals_note"),
        lambda r: (
            _external_only(r)
            and _with_materials(r)
            and r.originals_destination == OriginalsDestination.ELSEWHERE
        ),
    ),
)

BY_STEP: dict[str, Field] = {field.step.value: field for field in FIELDS}
"""The intake's questions by their step's value."""


def _platform_ref() -> Parse:
    """A platform reference as ``refs.platform_ref`` reads it; refused while another record,
    not withdrawn, carries it (``records.platform_ref_holder``): one platform entry is one
    record (Art. 6)."""

    async def parse(ctx: Context, record: Record, typed: str) -> dict[str, Any]:
        if not typed.strip():
            raise UserError("intake.error.empty")
        reference = platform_ref(typed)
        values = {"platform_ref": reference}
        other = await platform_ref_holder(ctx.session, reference, other_than=record.id)
        if other is not None:
            raise UserError(
                "milestones.platform_ref_taken_correction",
                reference=reference,
                other=other.number or f"#{other.id}",
            )
        return values

    return parse


def _platform_entered(record: Record) -> bool:
    return record.status == RecordStatus.SUBMITTED and record.platform_entered_at is not None


LATER: tuple[Field, ...] = (
    Field(
        Step.PLATFORM_REF,
        Input.TEXT,
        ("platform_ref",),
        _platform_ref(),
        _platform_entered,
        optional=True,
    ),
)
"""What a submitted record gains after the intake, never asked by it: the reference the
court's platform gave it (Art. 6, ``/platform``), once it is entered there. The card,
/record and a correction treat these as the intake's fields."""

EVERY: tuple[Field, ...] = FIELDS + LATER
"""The intake's questions, then ``LATER``: every field the card shows and a correction
may change."""
EVERY_BY_STEP: dict[str, Field] = {field.step.value: field for field in EVERY}


def next_missing(record: Record) -> Field | None:
    """The first question ``record`` still needs, in question order; None when complete."""
    for field in FIELDS:
        if field.applies(record) and not field.answered(record):
            return field
    return None


def applicable(record: Record) -> list[Field]:
    """The questions that apply to ``record`` (answered or not), in question order."""
    return [field for field in FIELDS if field.applies(record)]


def holds(record: Record, field: Field) -> bool:
    """Whether ``record`` holds a value for ``field`` (for the staff present: co-signers)."""
    if field.step is Step.STAFF_PRESENT:
        return bool(record.cosigners)
    return any(getattr(record, column) is not None for column in field.columns)


def on_card(record: Record, field: Field) -> bool:
    """Whether the card shows ``field`` of ``record``: when it applies, and once submitted
    also when it holds a value (the form prints it: a reference opinion's Art. 9 items
    kept from before its source was corrected)."""
    if field.applies(record):
        return True
    return record.status != RecordStatus.DRAFT and holds(record, field)


def choice_label(ctx: Context, field: Field, value: str) -> str:
    """``value``'s label as a button shows it: the vocabulary's name (lower case, as it
    reads inside a sentence: ``people's congress``), its first letter a capital, so every
    button of a question begins alike (``People's congress``, ``Party organ``)."""
    text = field.labels(ctx, value) if field.labels is not None else value
    return at_start(text)


def choice_buttons(ctx: Context, field: Field, prefix: str) -> tuple[tuple[Button, ...], ...]:
    """A closed question's choices, in ``field.choices``' one order, as rows of two buttons
    whose data is ``prefix`` + value, labelled by ``choice_label``."""
    buttons = [
        Button(choice_label(ctx, field, value), f"{prefix}{value}") for value in field.choices
    ]
    return tuple(tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2))


# -- what can be proposed -----------------------------------------------------------------

OPENED_BY = deadlines.OPENED_BY
"""``Record.fields`` key: what opened the draft (an ``Opener`` value)."""
CAPTION = "caption_offered"
"""``Record.fields`` key: the text that came with the files, offered as the summary when
that question is asked (one press takes it); never stored as the summary unasked."""
PRESUMED_MAIN_LEADER = "main_leader_presumed"
"""``Record.fields`` key: Art. 7's same-level main leader as presumed from the unit and
position at the court's place (``handlers.units.presume_main_leader``): true, false, or
absent (then asked)."""
CAPTION_IS_MESSAGE = "caption_is_message"
"""``Record.fields`` key: True when ``CAPTION`` is a forwarded text message's own words (the
message itself is the evidence), not the text sent with a file."""
CAPTION_TIME = "caption_time"
"""``Record.fields`` key: a time of day read at the head of a caption that came with the files
("saturday 10pm, a call from the county"), as ``YYYY-MM-DD HH:MM`` in the court's time:
offered as the inquiry's time (instead of "same as received") until the judge answers."""
CAPTION_TIME_FORMAT = "%Y-%m-%d %H:%M"
CAPTION_VALUE = "caption"
"""The inquiry-time button's value that takes ``CAPTION_TIME``."""


def caption_moment(record: Record, tz: ZoneInfo) -> datetime | None:
    """``CAPTION_TIME`` as a moment in ``tz``; None when no caption began with a time."""
    typed = record.fields.get(CAPTION_TIME)
    if not isinstance(typed, str):
        return None
    return datetime.strptime(typed, CAPTION_TIME_FORMAT).replace(tzinfo=tz)


READ = "read_from_picture"
"""``Record.fields`` key: what OCR read in the picture that opened the draft (``handlers.ocr``):
``inquirer_name``, ``inquirer_unit``, ``case_number``, each only when recognised."""
READ_SOURCE = "source"
"""``READ``'s key for where it was read: ``MESSAGE`` for a forwarded text; absent for OCR."""
MESSAGE = "message"
READ_STEPS = (Step.INQUIRER_NAME, Step.INQUIRER_UNIT, Step.CASE_NUMBER)
"""The questions whose proposal may be read from what came (``READ``), in its keys."""


class Opener(StrEnum):
    """What reached the judge and opened the draft: it suggests the channel."""

    PICTURE = "picture"
    TEXT = "text"
    VOICE = "voice"
    RECORDING = "recording"
    DOCUMENT = "document"
    NEW = deadlines.BARE  # no material: the deadlines wait for its time (``clock_started``)


CHANNELS_FIRST: dict[str, tuple[Channel, ...]] = {
    Opener.VOICE: (Channel.WECHAT, Channel.PHONE),
    Opener.RECORDING: (Channel.PHONE, Channel.WECHAT),
    Opener.DOCUMENT: (Channel.LETTER,),
    Opener.NEW: (Channel.IN_PERSON, Channel.PHONE),
}
"""The channels each opener's kind of file leaves open, when nothing read in it says more
(``CHANNEL_READ``): a voice message or a recording is a WeChat voice or a call; a document
is a letter. A picture or a forwarded text shows any channel's screen (a WeChat chat, an SMS,
an e-mail, a photographed letter), so its kind alone leaves every channel open."""
CHANNEL_READ = "channel_read"
"""``Record.fields`` key: the channels (``Channel`` values, sorted) whose cues were read in
what opened the draft (``handlers.ocr.channels_in``: OCR of the picture, or the forwarded
text's own words); absent when nothing was read there."""


def channels_read(record: Record) -> tuple[Channel, ...]:
    """``CHANNEL_READ`` as channels, in ``Channel``'s order; empty when none was read."""
    read = record.fields.get(CHANNEL_READ)
    found = set(read) if isinstance(read, list) else set()
    return tuple(channel for channel in Channel if channel.value in found)


def likely_channels(record: Record) -> tuple[Channel, ...]:
    """The channels what opened ``record`` supports: those read in it (``CHANNEL_READ``),
    else those its kind leaves open (``CHANNELS_FIRST``); empty when it supports none above
    another (a picture with nothing read in it, /new)."""
    opener = deadlines.opener(record)
    if opener == Opener.NEW:
        return ()
    return channels_read(record) or CHANNELS_FIRST.get(str(opener), ())


def proposed_channel(record: Record) -> str | None:
    """The channel proposed for ``record``: the one channel ``likely_channels`` leaves, else
    None (then the question is asked with every channel's button and none preset). Never a
    channel the material does not show: a picture is no WeChat message until it reads as
    one."""
    likely = likely_channels(record)
    return likely[0].value if len(likely) == 1 else None


_USUAL: dict[Step, str] = {
    Step.RECEIVED_AT: "ok",
    Step.SOURCE: RecordKind.EXTERNAL,
    Step.INQUIRY_AT: "same",
    Step.INTERMEDIARY: Intermediary.NONE,
}
"""The usual answers proposed. Art. 9's items and whether the inquiry is serious (Art. 7) are
never among them: what those articles exist to catch is always asked. Nor is Art. 7's
same-level main leader: it is presumed from the unit and position (``PRESUMED_MAIN_LEADER``), and
asked when they leave it open, never presumed "no" by default."""


def as_proposed(record: Record) -> Record:
    """A copy of ``record`` (never added to a session) with the choices the intake would
    propose for its unanswered questions taken, to judge which questions then apply (an
    external inquiry has a time; a WeChat message has a material route)."""
    shadow = Record(**{c.key: getattr(record, c.key) for c in Record.__mapper__.column_attrs})
    for field in FIELDS:
        if field.input is not Input.CHOICE or not field.applies(shadow):
            continue
        if field.answered(record):
            continue
        raw = proposal(shadow, field)
        if raw is not None:
            setattr(shadow, field.columns[0], raw)
    return shadow


def proposal(record: Record, field: Field) -> str | None:
    """The answer the intake proposes for ``field``, as the judge would type or press it;
    None when nothing can be inferred. A proposal is only ever stored once confirmed.

    Inferred: the receipt time (the forward's date), an external inquiry at that time (or at
    the time a caption began with: ``CAPTION_TIME``), the channel when what was forwarded
    shows only one (``proposed_channel``), the category the unit's name suggests
    (``guess_category``), retired as the position says it (``retired_position``: 已退休, 原… →
    yes; Art. 13 counts retired cadres alike; the flag is a fact the judge confirms on the
    card, not an Art. 9 item), Art. 7's same-level main leader as presumed from the unit and
    position (``PRESUMED_MAIN_LEADER``; none when they leave it open), what OCR read in a
    screenshot (the name, the unit, the case number; ``handlers.ocr``), the usual answer of
    no intermediary (never Art. 9's items nor seriousness), and for materials that came over
    the network the Art. 6 route (direct, as Art. 6 says of them) and Art. 4 destination (no
    written original); a letter's original goes to the sub-file (副卷, Art. 4).
    """
    step = field.step
    caption_time = record.fields.get(CAPTION_TIME)
    if step is Step.INQUIRY_AT and isinstance(caption_time, str):
        return caption_time
    if step is Step.INTERMEDIARY and reads_as_aide(record.inquirer_position):
        return None  # an aide written as the inquirer: how it came is asked, not presumed
    if step in _USUAL:
        return _USUAL[step]
    if step is Step.CHANNEL:
        return proposed_channel(record)
    if step is Step.MAIN_LEADER:
        presumed = record.fields.get(PRESUMED_MAIN_LEADER)
        return None if not isinstance(presumed, bool) else YES if presumed else NO
    if step is Step.UNIT_CATEGORY:
        guessed = guess_category(record.inquirer_unit)
        return guessed.value if guessed is not None else None
    if step is Step.RETIRED:
        retired = retired_position(record.inquirer_position)
        return None if retired is None else YES if retired else NO
    read = record.fields.get(READ)
    if step in READ_STEPS and isinstance(read, dict) and read.get(step.value):
        return str(read[step.value])
    if step is Step.ROUTE and record.channel in (*NETWORK_CHANNELS, Channel.MAIL):
        return MaterialRoute.DIRECT
    if step is Step.ORIGINALS and record.channel in NETWORK_CHANNELS:
        return OriginalsDestination.NO_ORIGINAL
    if step is Step.ORIGINALS and record.channel in WRITTEN_CHANNELS:
        return OriginalsDestination.SUB_FILE
    return None
