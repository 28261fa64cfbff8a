"""Scripted dialogues for the intake tests: a conversation reads like the chat it checks.

As in zulip's ``verify_dialog``, a test is a list of (what the person does, what the bot must
answer)::

    await dialogue(judge, [
        ("/new", (says("intake.started", title="草稿 #1"), asks_received("2026-03-06 10:00"))),
        (Press(CONFIRM_TIME), (asks(Step.SOURCE), Buttons(EXTERNAL, REFERENCE, INTERNAL, BACK))),
        ("外部", says("intake.error.choose")),
    ])

What a person does is typed text, a ``Press`` on a button of the latest message in their chat
that has buttons (as on a phone), a ``Tap`` on raw button data (an old or someone else's
button), or a ``Forward`` of files. What the bot must answer is a distinctive text (found in
one of the replies), the ``Buttons`` offered, or ``Exactly`` the replies; a tuple means all of
them.

``DialogueBot`` is the real app on a fake transport that serves files from memory, can fail a
download on purpose, and keeps one transcript across restarts (the phones keep their messages
when the server restarts).
"""

from __future__ import annotations

import hashlib
import io
import itertools
import wave
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fakes import TRANSPORT, Chat, FakeBot, FakeTransport, Sent
from harness import pick
from PIL import Image
from settings_kit import make_settings
from sqlalchemy import select

from bot.app import App
from bot.config import Settings
from handlers.fields import CHANNEL_ORDER, Step
from handlers.i18n import t
from handlers.ports import Attachment, AttachmentKind, IncomingMessage, OutgoingMessage
from reminders.clock import Clock, FakeClock
from storage import casenumber
from storage.db import Database
from storage.models import (
    AuditEvent,
    EvidenceBlob,
    EvidenceItem,
    Record,
    RecordAmendment,
    RecordCosigner,
    Staff,
)
from storage.verify import Progress, Summary, verify
from storage.vocabulary import (
    ART9_LABELS,
    Channel,
    Intermediary,
    Language,
    MaterialRoute,
    OriginalsDestination,
    UnitCategory,
    label,
)

BEIJING = ZoneInfo("Asia/Shanghai")
RECORD_NUMBER = "温法过问〔{year}〕{n}号"
COURT_NAME = "温县人民法院"


def zh(key: str, **values: object) -> str:
    return t(Language.ZH, key, **values)


def says(key: str, **values: object) -> str:
    """A catalog message as the bot says it."""
    return zh(key, **values)


KEPT = says("intake.kept_all")
"""The held-material sentence when every file's bytes were kept."""
KEPT_DISMISSED = says("intake.dismissed_kept_all")
"""The dismissal's sentence when every file's bytes were kept."""


def asks(step: Step) -> str:
    """The question of ``step`` (all but the receipt time, which quotes the time); the case
    number's with its example in 2026 at a court without a code of its own."""
    if step is Step.CASE_NUMBER:
        return zh(f"intake.ask.{step.value}", example=casenumber.example())
    return zh(f"intake.ask.{step.value}")


def asks_received(time: str) -> str:
    return zh("intake.ask.received_at", time=time)


def current(value: str) -> str:
    """The line under a re-asked question that shows its current answer."""
    return zh("intake.current", value=value)


def current_choice(value: str) -> str:
    """The same line under a question answered only by its buttons."""
    return zh("intake.current_choice", value=value)


def lab(value: StrEnum) -> str:
    """A vocabulary value's label, as its button shows it."""
    return label(value, Language.ZH)


def art9(n: int, *, chosen: bool = False) -> str:
    """The label of Art. 9 item ``n``'s button."""
    return ("✔ " if chosen else "") + f"({n}) {ART9_LABELS[n][Language.ZH]}"


def local(text: str) -> datetime:
    """``2026-03-05 20:15`` in Beijing."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=BEIJING)


CONFIRM_TIME = zh("intake.confirm_time")
SAME_TIME = zh("intake.same_time")
BACK = zh("intake.back")
SKIP = zh("intake.skip")
YES = zh("intake.yes")
NO = zh("intake.no")
NONE = zh("common.none")
NOT_FILED = zh("card.not_filed")
NOT_FILED_PRESS = zh("intake.error.not_filed_press")
"""The case-number refusals' last sentence at the case-number question: its button named."""
ART9_NONE = zh("intake.art9_none")
ART9_DONE = zh("intake.art9_done")
ART9_DONE_CLEAR = zh("intake.art9_done_clear")
SUBMIT = zh("intake.submit")
EDIT = zh("intake.edit")
WITHDRAW = zh("intake.withdraw")
ADD_HERE = zh("intake.add_here")
START_NEW = zh("intake.start_new")
DISMISS = zh("intake.dismiss")
EXTERNAL = zh("intake.source.external")
REFERENCE = zh("intake.source.reference_opinion")
INTERNAL = zh("intake.source.internal")
CONFIRM_COSIGN = zh("cosign.confirm")
DISPUTE_COSIGN = zh("cosign.dispute")
AMEND = zh("views.amend")
CHANNELS = tuple(lab(c) for c in CHANNEL_ORDER)
"""The channel buttons, in their one order on every path."""


def asks_channel(*likely: Channel) -> str:
    """The channel question, naming under it the channels ``likely`` from what was received
    (never by moving their buttons: the buttons are ``CHANNELS`` on every path)."""
    if not likely:
        return asks(Step.CHANNEL)
    names = "、".join(lab(c) for c in likely)
    return asks(Step.CHANNEL) + "\n" + zh("intake.channel_likely", channels=names)


USE_CAPTION = zh("intake.use_caption")


def asks_summary(caption: str) -> str:
    """The summary question offering the text that came with the files as one press."""
    return asks(Step.SUMMARY) + "\n" + zh("intake.caption_offer", caption=caption)


AFTER_NEW = AFTER_PICTURE = AFTER_VOICE = CHANNELS
"""The channel buttons after /new, a picture, a voice: one order on every path."""
CATEGORIES = tuple(lab(c) for c in UnitCategory)
INTERMEDIARIES = tuple(lab(i) for i in Intermediary)
ROUTES = tuple(lab(r) for r in MaterialRoute)
ORIGINALS = tuple(
    lab(o)
    for o in (
        OriginalsDestination.SUB_FILE,
        OriginalsDestination.ELSEWHERE,
        OriginalsDestination.NO_ORIGINAL,
    )
)


# -- what a person does -------------------------------------------------------------------


@dataclass(frozen=True)
class Press:
    """A press on the button labelled so (or the one button whose label contains it)."""

    label: str


@dataclass(frozen=True)
class Tap:
    """A press on a button carrying ``data``: an old message's, or someone else's."""

    data: str


@dataclass(frozen=True, init=False)
class Forward:
    """Files forwarded or sent together in one message, with what the transport tells:
    ``at`` the original send time a chat service states (Telegram's forward date);
    ``forwarded`` a forward that states none (the console's ``/forward``)."""

    files: tuple[Attachment, ...]
    caption: str
    at: datetime | None
    sender: str | None
    album: str | None
    forwarded: bool

    def __init__(
        self,
        *files: Attachment,
        caption: str = "",
        at: datetime | None = None,
        sender: str | None = None,
        album: str | None = None,
        forwarded: bool = False,
    ) -> None:
        object.__setattr__(self, "forwarded", forwarded)
        object.__setattr__(self, "files", files)
        object.__setattr__(self, "caption", caption)
        object.__setattr__(self, "at", at)
        object.__setattr__(self, "sender", sender)
        object.__setattr__(self, "album", album)


Action = str | Press | Tap | Forward


# -- what the bot must answer -------------------------------------------------------------


@dataclass(frozen=True, init=False)
class Buttons:
    """The buttons of the step's last reply that has any, exactly and in order."""

    labels: tuple[str, ...]

    def __init__(self, *labels: str) -> None:
        object.__setattr__(self, "labels", labels)


@dataclass(frozen=True, init=False)
class Offers:
    """These buttons are among those of the step's last reply that has any."""

    labels: tuple[str, ...]

    def __init__(self, *labels: str) -> None:
        object.__setattr__(self, "labels", labels)


@dataclass(frozen=True, init=False)
class Lacks:
    """None of these texts is offered as a button, nor said, in the step's replies."""

    texts: tuple[str, ...]

    def __init__(self, *texts: str) -> None:
        object.__setattr__(self, "texts", texts)


@dataclass(frozen=True, init=False)
class Exactly:
    """The step's replies are exactly these texts (none at all for ``Exactly()``)."""

    texts: tuple[str, ...]

    def __init__(self, *texts: str) -> None:
        object.__setattr__(self, "texts", texts)


@dataclass(frozen=True)
class Again:
    """A refusal: one reply, ``error`` then the question asked again (``question``, and the
    line of its current answer if any), carrying the question's buttons."""

    error: str
    question: str


Expect = str | Buttons | Offers | Lacks | Exactly | Again | tuple["Expect", ...]
Script = Sequence[tuple[Action, Expect]]


def labels_of(messages: Sequence[OutgoingMessage]) -> list[str]:
    """The button labels of the last message that has buttons (none: an empty list)."""
    for message in reversed(messages):
        if message.buttons:
            return [button.label for row in message.buttons for button in row]
    return []


def _problem(expected: Expect, replies: Sequence[OutgoingMessage]) -> str | None:
    texts = [reply.text for reply in replies]
    offered = labels_of(replies)
    if isinstance(expected, tuple):
        for part in expected:
            found = _problem(part, replies)
            if found:
                return found
        return None
    if isinstance(expected, str):
        return None if any(expected in text for text in texts) else f"no reply says {expected!r}"
    if isinstance(expected, Buttons):
        wanted = list(expected.labels)
        return None if offered == wanted else f"buttons {offered!r}, not {wanted!r}"
    if isinstance(expected, Offers):
        missing = [x for x in expected.labels if x not in offered]
        return f"buttons {offered!r} lack {missing!r}" if missing else None
    if isinstance(expected, Lacks):
        present = [x for x in expected.texts if x in offered or any(x in s for s in texts)]
        return f"{present!r} offered or said" if present else None
    if isinstance(expected, Again):
        head = f"{expected.error}\n\n{expected.question}"
        if len(replies) != 1 or not texts[0].startswith(head):
            return f"not one reply starting {head!r}"
        return None if replies[0].buttons else "the question came again without its buttons"
    wanted = list(expected.texts)
    return None if texts == wanted else f"replies are not exactly {wanted!r}"


def check(expected: Expect, replies: Sequence[OutgoingMessage], what: str = "") -> None:
    found = _problem(expected, replies)
    if found:
        shown = "\n".join(
            f"  [{i}] {reply.text!r} {labels_of([reply]) or ''}"
            for i, reply in enumerate(replies, 1)
        )
        raise AssertionError(f"{what}{found}; the bot said:\n{shown or '  (nothing)'}")


# -- the bot, its transport and the people ------------------------------------------------


def settings_for(
    tmp_path: Path, *, max_evidence_mb: int | None = None, propose: bool = False
) -> Settings:
    """The court's settings with evidence under the test's own folder, never ./data.

    ``propose``: inferred answers are put as one confirmation (the default of ``guowen``);
    without it every question is asked on its own, as the question-by-question tests expect.
    """
    return make_settings(
        tmp_path / "evidence",
        court_name=COURT_NAME,
        record_number=RECORD_NUMBER,
        max_evidence_mb=max_evidence_mb,
        propose=propose,
    )


class DialogueTransport(FakeTransport):
    """The fake transport with a shared transcript, and downloads that can be made to fail."""

    def __init__(
        self,
        files: dict[str, bytes],
        failures: dict[str, Callable[[], Exception]],
        transcript: list[Sent],
    ) -> None:
        super().__init__()
        self.files = files
        self.failures = failures
        self.sent = transcript

    async def download(self, attachment: Attachment) -> AsyncIterator[bytes]:
        failure = self.failures.get(attachment.file_id)
        if failure is not None:
            self.downloads.append(attachment.file_id)
            raise failure()
        async for chunk in super().download(attachment):
            yield chunk


class DialogueBot(FakeBot):
    """``FakeBot`` whose files, download failures and transcript survive ``restart``."""

    def __init__(self, db: Database, clock: Clock, settings: Settings) -> None:
        self.files: dict[str, bytes] = {}
        self.failures: dict[str, Callable[[], Exception]] = {}
        self.transcript: list[Sent] = []
        self.restarts = 0
        self._ids = itertools.count(1)
        super().__init__(db, clock, settings)

    def make_transport(self, app: App) -> DialogueTransport:
        return DialogueTransport(self.files, self.failures, self.transcript)

    def restart(self) -> None:
        super().restart()
        self.restarts += 1

    @property
    def evidence_dir(self) -> Path:
        return Path(self.settings.storage.evidence_dir)

    def file(
        self,
        kind: AttachmentKind,
        data: bytes,
        *,
        name: str | None = None,
        mime: str | None = None,
        size: int | None = -1,
        duration_s: int | None = None,
    ) -> Attachment:
        """An attachment whose bytes the transport will serve (size: as declared)."""
        file_id = f"{kind.value}-{next(self._ids)}"
        self.files[file_id] = data
        declared = len(data) if size == -1 else size
        return Attachment(kind, file_id, name, mime, declared, duration_s)

    def failing_file(
        self,
        kind: AttachmentKind,
        failure: Callable[[], Exception],
        *,
        name: str | None = None,
        mime: str | None = None,
        size: int | None = None,
    ) -> Attachment:
        """An attachment whose download raises ``failure()``."""
        file_id = f"{kind.value}-{next(self._ids)}"
        self.failures[file_id] = failure
        return Attachment(kind, file_id, name, mime, size)

    def to(self, chat_id: str) -> list[OutgoingMessage]:
        """Everything the bot ever sent to ``chat_id``, restarts included."""
        return [item.message for item in self.transcript if item.chat_id == chat_id]


def court_bot(at: datetime | None = None, *, propose: bool = False, code: str | None = None) -> Any:
    """A module's ``bot`` fixture (``bot = court_bot(NOW)``): the clock at ``at`` (when given)
    before anyone speaks, inferred answers put as one confirmation when ``propose``
    (``settings_for``), the court's code ``code`` when given (a case number's own court)."""

    @pytest.fixture
    def bot(db: Database, clock: FakeClock, tmp_path: Path) -> DialogueBot:
        if at is not None:
            clock.set(at)
        settings = settings_for(tmp_path, propose=propose)
        if code is not None:
            settings.court.code = code
        return DialogueBot(db, clock, settings)

    return bot


def proposing_bot(at: datetime | None = None, *, code: str | None = None) -> Any:
    """``court_bot`` proposing inferred answers (``bot = proposing_bot(NOW)``)."""
    return court_bot(at, propose=True, code=code)


_message_ids = itertools.count(1)


class Person(Chat):
    """One person's private chat, driven by the actions of a script."""

    bot: DialogueBot

    def __init__(self, bot: DialogueBot, user_id: str, name: str) -> None:
        super().__init__(bot, user_id, name)
        self.name = name

    def message(
        self,
        text: str = "",
        *,
        callback: str | None = None,
        forward: Forward | None = None,
    ) -> IncomingMessage:
        return IncomingMessage(
            transport=TRANSPORT,
            chat_id=self.user_id,
            user_id=self.user_id,
            user_name=self.user_name,
            received_at=self.bot.clock.now(),
            message_id=f"d{next(_message_ids)}",
            text=forward.caption if forward else text,
            callback=callback,
            attachments=forward.files if forward else (),
            forwarded_at=forward.at if forward else None,
            forwarded=forward.forwarded if forward else False,
            forwarded_from=forward.sender if forward else None,
            media_group_id=forward.album if forward else None,
        )

    def inbox(self) -> list[OutgoingMessage]:
        return self.bot.to(self.user_id)

    def offered(self) -> list[str]:
        """The labels of the latest message in this chat that has buttons."""
        return labels_of(self.inbox())

    def _data_of(self, wanted: str) -> str:
        for message in reversed(self.inbox()):
            if message.buttons:
                buttons = [(b.label, b.data) for row in message.buttons for b in row]
                return pick(buttons, wanted, self.name)
        raise AssertionError(f"{self.name}: no message with buttons to press {wanted!r}")

    async def act(self, action: Action) -> list[OutgoingMessage]:
        if isinstance(action, str):
            return await self.send(self.message(action))
        if isinstance(action, Press):
            return await self.send(self.message(callback=self._data_of(action.label)))
        if isinstance(action, Tap):
            return await self.send(self.message(callback=action.data))
        return await self.send(self.message(forward=action))


async def dialogue(person: Person, script: Script, *, restart: bool = False) -> None:
    """Play ``script``; with ``restart`` the bot restarts before every step."""
    for number, (action, expected) in enumerate(script, 1):
        if restart:
            person.bot.restart()
        replies = await person.act(action)
        check(expected, replies, f"{person.name}, step {number} ({action!r}): ")


# -- the court ----------------------------------------------------------------------------

DEPARTMENTS = ("民一庭", "刑事审判庭", "纪检监察室", "审判管理办公室", "院领导", "信息技术科")


@dataclass
class Court:
    """The demo court's people, each registered and bound to a fake chat account."""

    bot: DialogueBot
    staff: dict[str, Staff]
    accounts: dict[str, str]

    def chat(self, name: str) -> Person:
        return Person(self.bot, self.accounts[name], name)

    def id(self, name: str) -> int:
        return self.staff[name].id


async def open_court(bot: DialogueBot) -> Court:
    await bot.seed()
    return Court(bot, bot.staff, bot.accounts)


# -- a whole record, for tests about what comes after -------------------------------------

CASE_NAME = "张某诉李某民间借贷纠纷案"
CASE_NUMBER = "（2026）豫0825民初123号"


def phone_record(
    *,
    inquirer: str = "王某",
    number: str = "温法过问〔2026〕1号",
    draft: int = 1,
    received: str = "2026-03-06 10:00",
    start: Action = "/new",
    started: str | None = None,
    main_leader: str = NO,
    serious: str = NO,
    offered: tuple[str, ...] = AFTER_NEW,
    likely: tuple[Channel, ...] = (),
) -> list[tuple[Action, Expect]]:
    """A phone call from ``inquirer``, from ``/new`` (or ``start``) to submission."""
    opened = started if started is not None else says("intake.started", title=f"草稿 #{draft}")
    return [
        (start, (opened, asks_received(received), Buttons(CONFIRM_TIME))),
        (Press(CONFIRM_TIME), asks(Step.SOURCE)),
        (Press(EXTERNAL), asks(Step.INQUIRY_AT)),
        (Press(SAME_TIME), (asks_channel(*likely), Buttons(*offered, BACK))),
        (Press(lab(Channel.PHONE)), asks(Step.INQUIRER_NAME)),
        (inquirer, asks(Step.INQUIRER_UNIT)),
        ("温县某局", asks(Step.INQUIRER_POSITION)),
        ("局长", (asks(Step.UNIT_CATEGORY), Buttons(*CATEGORIES, BACK))),
        (Press(lab(UnitCategory.GOVERNMENT)), (asks(Step.RETIRED), Buttons(YES, NO, BACK))),
        (Press(NO), asks(Step.MAIN_LEADER)),
        (Press(main_leader), (asks(Step.INTERMEDIARY), Buttons(*INTERMEDIARIES, BACK))),
        (Press(lab(Intermediary.NONE)), asks(Step.CASE_NAME)),
        (CASE_NAME, (asks(Step.CASE_NUMBER), Buttons(NOT_FILED, BACK))),
        (CASE_NUMBER, asks(Step.SUMMARY)),
        ("要求对原告从轻处理", asks(Step.ART9)),
        (Press(ART9_NONE), asks(Step.SERIOUS)),
        # A phone call brings no materials: neither their route (Art. 6) nor where the
        # originals went (Art. 4) is asked.
        (Press(serious), (says("intake.review"), Buttons(SUBMIT, EDIT, WITHDRAW))),
        (Press(SUBMIT), says("intake.submitted", number=number)),
    ]


def until(script: Script, step: Step) -> list[tuple[Action, Expect]]:
    """The beginning of ``script``, up to the step that asks the question of ``step``."""
    question = asks(step)
    for number, (_, expected) in enumerate(script):
        parts = expected if isinstance(expected, tuple) else (expected,)
        if question in parts:
            return list(script[: number + 1])
    raise ValueError(f"the script never asks {step}")


# -- evidence bytes -----------------------------------------------------------------------


def png_bytes(
    color: tuple[int, int, int] = (7, 193, 96), size: tuple[int, int] = (90, 160)
) -> bytes:
    """A small PNG, like a phone screenshot (WeChat green by default)."""
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def jpeg_bytes(size: tuple[int, int] = (320, 240)) -> bytes:
    image = Image.new("RGB", size)
    for x in range(0, size[0], 8):  # some detail, so that a cut file is really cut
        image.paste((x % 256, 90, 255 - x % 256), (x, 0, x + 4, size[1]))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def amr_bytes(frames: int = 150) -> bytes:
    """An AMR-NB voice message (how WeChat keeps them): 20 ms a frame."""
    return b"#!AMR\n" + (b"\x3c" + b"\x00" * 31) * frames


def wav_bytes(seconds: float = 1.0, rate: int = 8000) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(rate)
        audio.writeframes(b"\x00\x01" * int(seconds * rate))
    return out.getvalue()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# -- what the database holds --------------------------------------------------------------


def columns(record: Record) -> dict[str, Any]:
    return {attr.key: getattr(record, attr.key) for attr in Record.__mapper__.column_attrs}


async def record_row(db: Database, record_id: int) -> dict[str, Any]:
    """Every column of a record, as stored."""
    async with db.transaction() as session:
        record = await session.get(Record, record_id)
        assert record is not None, f"no record {record_id}"
        return columns(record)


async def all_records(db: Database) -> list[Record]:
    async with db.transaction() as session:
        return list((await session.execute(select(Record).order_by(Record.id))).scalars().all())


async def evidence_of(
    db: Database, record_id: int
) -> list[tuple[EvidenceItem, EvidenceBlob | None]]:
    async with db.transaction() as session:
        query = (
            select(EvidenceItem, EvidenceBlob)
            .outerjoin(EvidenceBlob, EvidenceItem.blob_sha256 == EvidenceBlob.sha256)
            .where(EvidenceItem.record_id == record_id)
            .order_by(EvidenceItem.id)
        )
        return [(item, blob) for item, blob in (await session.execute(query)).all()]


async def cosigners_of(db: Database, record_id: int) -> list[RecordCosigner]:
    async with db.transaction() as session:
        query = (
            select(RecordCosigner)
            .where(RecordCosigner.record_id == record_id)
            .order_by(RecordCosigner.id)
        )
        return list((await session.execute(query)).scalars().all())


async def amendments_of(db: Database, record_id: int) -> list[RecordAmendment]:
    async with db.transaction() as session:
        query = (
            select(RecordAmendment)
            .where(RecordAmendment.record_id == record_id)
            .order_by(RecordAmendment.id)
        )
        return list((await session.execute(query)).scalars().all())


async def events_of(db: Database, record_id: int) -> list[AuditEvent]:
    """The audit events about one record, oldest first."""
    async with db.transaction() as session:
        query = (
            select(AuditEvent)
            .where(AuditEvent.subject == f"record:{record_id}")
            .order_by(AuditEvent.seq)
        )
        return list((await session.execute(query)).scalars().all())


async def verified(db: Database, evidence_dir: Path) -> tuple[list[object], Summary]:
    """What ``guowen verify`` finds: its problems, and its summary."""
    problems: list[object] = []
    summary: Summary | None = None
    async for report in verify(db, evidence_dir):
        if isinstance(report, Summary):
            summary = report
        elif not isinstance(report, Progress):
            problems.append(report)
    assert summary is not None
    return problems, summary
