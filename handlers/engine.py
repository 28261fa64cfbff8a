"""The conversation engine: one incoming message, one database transaction.

In that transaction: the transport's update key is claimed (a repeat is not handled twice);
who is writing is read once (a stranger or a disabled account gets a polite refusal and leaves
only an access-denied event); the message goes to a command, a button's handler, or the step
the chat's dialogue state (``handlers.state.DraftState``) waits at, and the step it returns is
stored; the reminders of the records it changed are re-planned; and the replies it owes are
written to the reply outbox. They are sent only after the commit (``bot.app.App``), so nobody
is told something the database does not hold, and a crash after the commit still delivers
them. Replies are fitted to what their transport can show (``Capabilities``).
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from handlers.binding_notice import announce_binding
from handlers.evidence_files import carries_evidence, fetch_files
from handlers.i18n import t, words
from handlers.ports import (
    Button,
    Capabilities,
    Downloader,
    Handled,
    IncomingMessage,
    MultiChoice,
    OutgoingMessage,
    Reply,
)
from handlers.state import DraftState, End, Next, StepName, step_named
from reminders.clock import Clock
from reminders.deadlines import DeadlineRules
from reminders.planner import Timing, plan_touched
from storage import delivery, logfields
from storage import records as records_repo
from storage import staff as staff_repo
from storage.db import Database
from storage.evidence import EvidenceFile, EvidenceStore
from storage.locks import chat_turn
from storage.models import ChatIdentity, Conversation, Staff
from storage.vocabulary import Language, Role

log = logging.getLogger(__name__)

ALL_BUTTONS = Capabilities().max_buttons
"""Buttons a transport that shows them all can carry (Telegram's 100); one that shows fewer
may get numbered lists, answered by number or label."""


class UserError(Exception):
    """An expected problem with what a person sent: shown to them, nothing is changed."""

    buttons: tuple[tuple[Button, ...], ...] = ()
    """Buttons sent with the message: a question's, asked again after the refusal."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


@dataclass(frozen=True)
class Services:
    """What the handlers need from the outside, wired in by the app."""

    clock: Clock
    language: Language = Language.ZH
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))
    court_name: str = ""
    court_code: str = ""
    """The court's code in case numbers (``[court] code``): its place, for Art. 7's same level."""
    invite_valid_for: timedelta = timedelta(hours=72)
    rules: DeadlineRules = field(default_factory=DeadlineRules)
    record_number: str = "过问〔{year}〕{n}号"
    propose: bool = True
    ocr: bool = False
    """Read a forwarded screenshot to propose what it shows (``[intake] ocr``)."""
    """Put inferred answers to the judge as one confirmation (``[intake] propose``)."""
    evidence: EvidenceStore | None = None
    reports: Path | None = None
    """Where forms and reports are written; None: beside the evidence folder."""
    download: Downloader | None = None
    timing: Timing = field(default_factory=Timing)
    kick: Callable[[], None] | None = None
    capabilities: Callable[[str], Capabilities] | None = None
    """What the named transport can do (``App`` looks it up); None: everything."""

    def can(self, transport: str) -> Capabilities:
        """The capabilities of ``transport``."""
        return self.capabilities(transport) if self.capabilities else Capabilities()


@dataclass
class Context:
    """Everything one step of a conversation may use; lives for one message."""

    session: AsyncSession
    message: IncomingMessage
    staff: Staff
    identity: ChatIdentity
    services: Services
    now: datetime
    replies: list[Reply] = field(default_factory=list)
    conversation: StoredState | None = None
    files: list[Any] = field(default_factory=list)
    speaking: Language | None = None
    draft: DraftState | None = None

    @property
    def language(self) -> Language:
        """The sender's language, or the recipient's while ``speaking`` is set."""
        if self.speaking is not None:
            return self.speaking
        return Language(self.staff.language) if self.staff.language else self.services.language

    @property
    def roles(self) -> frozenset[str]:
        """The sender's role names (``Role`` values), as stored on the staff row."""
        return self.staff.roles

    def t(self, key: str, **values: object) -> str:
        """The catalog text ``key`` in the sender's language, with ``values`` filled in.

        Raises ``KeyError`` for a key the language's catalog lacks.
        """
        return t(self.language, key, **values)

    def reply(
        self,
        text: str,
        buttons: tuple[tuple[Button, ...], ...] = (),
        multi: MultiChoice | None = None,
    ) -> None:
        """A reply to the sender: ``text``, rows of ``buttons``, and a multiple choice where
        the sender's transport shows one (``Capabilities.multi_select``)."""
        message = OutgoingMessage(text, buttons, multi=multi)
        self.replies.append(Reply(self.message.transport, self.message.chat_id, message))

    def local(self, moment: datetime) -> datetime:
        """``moment`` (timezone-aware) in the court's configured zone."""
        return moment.astimezone(self.services.tz)

    async def state(self) -> DraftState:
        """The chat's dialogue state (``handlers.state.DraftState``), read once a message.

        Handlers change it and return the next step; the engine writes it back once the
        message has been handled (``Engine._save``), never a handler.
        """
        if self.draft is None:
            where = {"transport": self.message.transport, "chat_id": self.message.chat_id}
            connection = await self.session.connection()
            found = (await connection.execute(_CONVERSATION, where)).one_or_none()
            if found is None:
                self.conversation = None
                self.draft = DraftState()
            else:
                self.conversation = StoredState(found.id, found.step, found.record_id, found.data)
                self.draft = DraftState.load(found.data, found.step, found.record_id)
        return self.draft

    async def go(self, step: StepName | str | None, /, **data: Any) -> None:
        """Wait at ``step`` in a new dialogue holding ``data`` (None: no dialogue open);
        see ``DraftState.go``: files held for an unanswered question are carried along."""
        (await self.state()).go(step_named(step) if isinstance(step, str) else step, **data)


_STATES = cast(Table, Conversation.__table__)
_CONVERSATION = select(_STATES.c.id, _STATES.c.step, _STATES.c.record_id, _STATES.c.data).where(
    _STATES.c.transport == bindparam("transport"), _STATES.c.chat_id == bindparam("chat_id")
)
"""A chat's dialogue state row as plain values, read as Core on the session's connection,
built once (a statement's construction costs more than its cached compilation)."""

_NEW_STATE = insert(_STATES).returning(_STATES.c.id)
"""A chat's first dialogue state row, its id returned."""


@dataclass(frozen=True)
class StoredState:
    """A chat's dialogue state row as read or last written in this message's transaction
    (``conversations``): its id, step name, record id and the state's JSON."""

    id: int
    step: str | None
    record_id: int | None
    data: dict[str, Any]


_SENDER = (
    select(ChatIdentity, Staff)
    .join(Staff, Staff.id == ChatIdentity.staff_id)
    .options(joinedload(Staff.role_rows))
    .where(
        ChatIdentity.transport == bindparam("transport"),
        ChatIdentity.external_id == bindparam("external_id"),
    )
)
"""A chat account and the person bound to it, with their roles, built once."""


_SAVE_STATE = (
    update(_STATES)
    .where(_STATES.c.id == bindparam("row_id"))
    .values(
        step=bindparam("step"),
        data=bindparam("data"),
        record_id=bindparam("record_id"),
        updated_at=bindparam("updated_at"),
    )
)
"""A chat's dialogue state written back (``Engine._save``) as one Core ``UPDATE``, built
once (no ORM flush)."""


def _apology(files: list[EvidenceFile]) -> str:
    """The catalog key of the apology for a failed message with ``files``: it says nothing
    sent is lost only when every file's bytes were kept (``error.internal``); else it says
    some were not (``error.internal_not_kept``), the rescue's reply naming them."""
    lost = any(file.sha256 is None for file in files)
    return "error.internal_not_kept" if lost else "error.internal"


class _Undone(Exception):
    """A step refused (``UserError``) or failed: its transaction is rolled back whole, and
    ``Engine._after_undone`` owes ``replies`` (the refusal, or the apology when ``failed``)
    in a transaction of their own."""

    def __init__(
        self,
        message: IncomingMessage,
        now: datetime,
        replies: list[Reply],
        language: Language,
        *,
        failed: bool,
    ) -> None:
        super().__init__("step undone")
        self.message = message
        self.now = now
        self.replies = replies
        self.language = language
        self.failed = failed


Handler = Callable[["Context", str], Awaitable[Next]]
"""A command, a button's handler or a step: given the context and the text (a command's
arguments, a button's data after its prefix, a typed answer), it returns the next step
(``handlers.state.Next``: a ``StepName``, ``END``, or None to stay)."""


@dataclass(frozen=True)
class Command:
    """A slash command: its handler, the catalog key of its /help line and who may use it.

    ``roles`` None: anyone bound may use it; ``hidden`` keeps it out of /help.
    """

    name: str
    handler: Handler
    help_key: str
    roles: frozenset[Role] | None = None
    hidden: bool = False

    def allowed(self, roles: frozenset[str]) -> bool:
        """Whether a sender with ``roles`` (role names) may use the command."""
        return self.roles is None or bool(self.roles & roles)


@dataclass(frozen=True)
class Words:
    """Plain words that run a command, as if typed ``/command args``.

    ``key``: the catalog key whose text, in any language, is the words (alternatives between
    ``|``; compared by ``plain``); ``command``: the command run, whose roles the sender needs
    (without them the words are free text like any other); ``args``: its arguments at the
    moment the words were typed.
    """

    key: str
    command: str
    args: Callable[[Context], str]


def plain(text: str) -> str:
    """``text`` as plain words are compared: case folded (NFKC), without spaces or
    punctuation (``本季度报告。`` and ``本季度 报告`` read as ``本季度报告``)."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if not ch.isspace() and unicodedata.category(ch)[0] != "P")


@dataclass
class Registry:
    """The commands, button prefixes and conversation steps the engine knows."""

    commands: dict[str, Command] = field(default_factory=dict)
    callbacks: dict[str, Handler] = field(default_factory=dict)
    steps: dict[str, Handler] = field(default_factory=dict)
    media: Handler | None = None
    rescue: Handler | None = None
    fallback: Handler | None = None
    edited: Handler | None = None
    """What an edited message does (``IncomingMessage.edited``): it is never ignored."""
    backs: dict[str, Handler] = field(default_factory=dict)
    """What /back does at a step of a dialogue other than the intake's: that dialogue's
    previous question, or at its first the question again under ``intake.error.no_back``."""
    cancels: dict[str, Handler] = field(default_factory=dict)
    """What /cancel does at a step of a dialogue other than the intake's: that dialogue's
    pending action dropped, the reply saying what was kept and what was dropped (/new, which
    leaves such a dialogue, runs it first)."""
    after_change: Callable[[Context], Awaitable[None]] | None = None
    """What follows any message that changed a record (``storage.records.touch``), whatever
    the path: the Art. 7 alerts' follow-up (``handlers.alerts.follow_touched``)."""
    reads_choices: set[str] = field(default_factory=set)
    """Steps whose handler reads a typed button label or number itself (Art. 9's ``1`` is
    item 1, not the first button): the engine does not turn those into presses."""
    words: list[Words] = field(default_factory=list)
    """Plain words that run a command when no dialogue is open (``Registry.said``)."""

    def command(
        self,
        name: str,
        handler: Handler,
        help_key: str,
        roles: set[Role] | None = None,
        *,
        hidden: bool = False,
    ) -> None:
        """Register ``/name``; ``roles`` limits it to those roles (None: everyone bound)."""
        self.commands[name] = Command(
            name, handler, help_key, frozenset(roles) if roles else None, hidden
        )

    def said(self, text: str, roles: frozenset[str]) -> Words | None:
        """The registered ``Words`` that ``text`` is (in any language) and whose command
        ``roles`` may use; None when it is none of them."""
        typed = plain(text)
        if not typed:
            return None
        for said in self.words:
            command = self.commands.get(said.command)
            if command is None or not command.allowed(roles):
                continue
            if typed in words(said.key, plain):
                return said
        return None

    def visible(self, roles: frozenset[str]) -> list[Command]:
        """The commands ``roles`` may use, in the order they were registered."""
        return [
            command
            for command in self.commands.values()
            if command.allowed(roles) and not command.hidden
        ]


def asked_buttons(state: DraftState) -> tuple[tuple[Button, ...], ...]:
    """The open question's buttons (``DraftState.question``), as rows to send again."""
    return tuple(tuple(Button(label, data) for label, data in row) for row in state.question)


CANCEL = "cancel"
"""The command a typed cancel word (``words.cancel``) stands for."""


def split_command(text: str) -> tuple[str, str] | None:
    """``/cmd@botname args`` as ("cmd", "args"), and a typed cancel word alone
    (``words.cancel``, any language) as ("cancel", ""): at every card and question it
    does what /cancel does, never taken as an answer. None when the text is neither."""
    if text.strip().casefold() in words("words.cancel"):
        return CANCEL, ""
    stripped = text.replace("\N{FULLWIDTH SOLIDUS}", "/").replace("\N{IDEOGRAPHIC SPACE}", " ")
    stripped = stripped.strip()
    if not stripped.startswith("/"):
        return None
    head, _, rest = stripped[1:].partition(" ")
    name = head.split("@", 1)[0].lower()
    return (name, rest.strip()) if name else None


class Engine:
    """Handles each incoming message in one database transaction.

    That transaction first takes the chat's turn (``storage.locks.chat_turn``: on PostgreSQL
    the chat's messages are handled one at a time across every instance), claims the
    transport's ``update_key`` (a repeat is not handled twice, whichever instance took it),
    reads the sender's identity and roles once, runs the command, button or step, re-plans
    the reminders of every record it changed, and writes the replies it owes to the reply
    outbox. The caller sends those after the commit and then calls ``delivered``.
    """

    PRUNE_EVERY = timedelta(hours=1)

    def __init__(self, db: Database, registry: Registry, services: Services) -> None:
        self.db = db
        self.registry = registry
        self.services = services
        self._pruned_at: datetime | None = None
        self._sent: set[int] = set()

    def sent(self, ids: Iterable[int]) -> None:
        """Outbox rows ``ids`` were sent: the next message's transaction deletes them (or
        ``forget_sent``, when no message comes)."""
        self._sent.update(ids)

    async def forget_sent(self) -> None:
        """Delete the rows of replies sent since (``Database.bookkeep``): on SQLite put off to
        run before the next transaction and commit with it, or soon after, with no transaction
        of its own. A crash before that commit has those replies sent again, marked as
        repeats, never lost."""
        batch, self._sent = self._sent, set()
        deletion = delivery.deletion(batch)
        if deletion is None:
            return
        try:
            await self.db.bookkeep(*deletion)
        except Exception:
            self._sent |= batch
            raise

    async def _forget_in(self, session: AsyncSession) -> set[int]:
        """Delete the rows of replies sent since, in this message's transaction; the ids, to
        be put back should that transaction fail."""
        batch, self._sent = self._sent, set()
        await delivery.delivered(session, batch)
        return batch

    async def handle(self, message: IncomingMessage) -> Handled:
        """Process one message in one transaction; what to send once it has committed.

        ``Handled.accepted`` is True when a bound, active person's message was handled (a
        ``UserError`` answered counts); False for a stranger, a disabled account, a repeat of
        an ``update_key`` already claimed (``repeat``, no replies) and a failure the
        transaction could not survive. ``Handled.owed`` holds the outbox ids of the replies,
        in order, when they were committed with the message. Never raises for a handler's
        failure: the sender gets an apology and the message's files are kept on a draft.

        The step runs in the message's transaction itself, with no savepoint of its own: a
        ``UserError`` or a handler's failure rolls that whole transaction back, and a second
        one claims the update and owes the refusal or the apology (``_after_undone``), so
        what the step did is undone and the claim and the replies still commit.
        """
        language = self.services.language
        files: list[Any] = []
        forgotten: set[int] = set()
        try:
            files = await self._files(message)
            try:
                async with self.db.transaction() as session:
                    await chat_turn(session, message.transport, message.chat_id)
                    now = self.services.clock.now()
                    forgotten = await self._forget_in(session)
                    if message.update_key is not None:
                        claimed = await delivery.claim_update(
                            session, message.transport, message.update_key, now
                        )
                        if not claimed:
                            return Handled(repeat=True, language=None)
                        await self._prune(session, now)
                    bound, person = await self._sender(session, message)
                    if bound is None or person is None or not person.active:
                        replies = await self._refuse(session, message, now, bound)
                        return await self._owe(session, replies, now, accepted=False, language=None)
                    staff_repo.note_use(bound, now)
                    ctx = Context(session, message, person, bound, self.services, now, files=files)
                    replies, language = await self._run(ctx)
                    replies, chosen = self._show_choice(ctx.message, replies, language)
                    return await self._owe(
                        session, replies, now, accepted=True, language=language, chosen=chosen
                    )
            except _Undone as undone:
                self._sent |= forgotten
                forgotten = set()
                language = undone.language
                return await self._after_undone(undone, files)
        except Exception:
            self._sent |= forgotten
            log.exception("failed on a message from %s:%s", message.transport, message.user_id)
            apology = [self._text(message, t(language, _apology(files)))]
            rescued = await self._rescue(message, files)
            return Handled(replies=tuple(apology + rescued), language=language)

    async def _run(self, ctx: Context) -> tuple[list[Reply], Language]:
        """The handling, in the message's transaction: the replies and the sender's language
        (as the message left it). Raises ``_Undone`` for a ``UserError`` (with the refusal to
        send) or a handler's failure (with the apology): the transaction is then to be rolled
        back whole; a ``SQLAlchemyError`` as it is (the transaction itself may be broken)."""
        language = ctx.language
        try:
            await self._dispatch(ctx)
            await self._replan(ctx.session, ctx.now)
        except UserError as problem:
            text = t(language, problem.key, **problem.values)
            buttons = problem.buttons
            if not buttons:  # the open question's buttons come with its text, never alone
                asked, buttons = await self._open_question(ctx)
                text = f"{text}\n\n{asked}" if buttons else text
            message = OutgoingMessage(text, buttons)
            refusal = Reply(ctx.message.transport, ctx.message.chat_id, message)
            raise _Undone(ctx.message, ctx.now, [refusal], language, failed=False) from None
        except SQLAlchemyError:
            raise  # the transaction itself may be broken: handled outside it
        except Exception as error:
            log.exception(
                "failed on a message from %s:%s", ctx.message.transport, ctx.message.user_id
            )
            apology = self._text(ctx.message, t(language, _apology(ctx.files)))
            raise _Undone(ctx.message, ctx.now, [apology], language, failed=True) from error
        return ctx.replies, ctx.language

    async def _after_undone(self, undone: _Undone, files: list[Any]) -> Handled:
        """The transaction of a message whose step was undone: the update claimed, the
        sender's use noted, the files of a failed step rescued onto a draft (``rescue``, in a
        savepoint: its own failure leaves the apology), and the refusal or apology owed.
        A repeat claimed meanwhile elsewhere is ``Handled.repeat``."""
        message, now, language = undone.message, undone.now, undone.language
        async with self.db.transaction() as session:
            await chat_turn(session, message.transport, message.chat_id)
            await self._forget_in(session)
            if message.update_key is not None:
                claimed = await delivery.claim_update(
                    session, message.transport, message.update_key, now
                )
                if not claimed:
                    return Handled(repeat=True, language=None)
            bound, person = await self._sender(session, message)
            replies = list(undone.replies)
            if bound is not None:
                staff_repo.note_use(bound, now)
            rescue = self.registry.rescue
            if undone.failed and files and rescue is not None and person is not None:
                try:
                    async with session.begin_nested():
                        assert bound is not None
                        again = Context(session, message, person, bound, self.services, now)
                        again.files = files
                        await rescue(again, "")
                        await self._replan(session, now)
                    replies += again.replies
                except SQLAlchemyError:
                    raise
                except Exception:
                    log.exception("could not rescue %d file(s) of a failed message", len(files))
            # Nothing pressed was taken (a refusal, or the apology): no "chosen" line, which
            # would read as if it had been.
            return await self._owe(session, replies, now, accepted=True, language=language)

    async def _owe(
        self,
        session: AsyncSession,
        replies: list[Reply],
        now: datetime,
        *,
        accepted: bool,
        language: Language | None,
        chosen: str | None = None,
    ) -> Handled:
        """Write ``replies`` to the outbox in the message's transaction."""
        rows = [(r.transport, r.chat_id, r.message.to_json()) for r in replies]
        owed = await delivery.owe(session, rows, language=language, at=now)
        return Handled(
            replies=tuple(replies),
            accepted=accepted,
            language=language or self.services.language,
            owed=tuple(owed),
            chosen=chosen,
        )

    def _show_choice(
        self, message: IncomingMessage, replies: list[Reply], language: Language
    ) -> tuple[list[Reply], str | None]:
        """How an answered keyboard shows what was chosen (catalog ``press.chosen``): on a
        transport that can edit (``Capabilities.edit``) as the line the pressed message gets in
        place of its buttons (returned, for ``Handled.chosen``); elsewhere, or when no message
        was pressed (a typed answer), as a short text before the replies. Nothing when the
        message answered no keyboard or the transport did not say which button it was."""
        if message.callback is None or not message.callback_label:
            return replies, None
        shown = t(language, "press.chosen", choice=message.callback_label)
        if message.callback_message_id is not None and self.services.can(message.transport).edit:
            return replies, shown
        return [self._text(message, shown), *replies], None

    async def _prune(self, session: AsyncSession, now: datetime) -> None:
        """Forget old update keys, at most once an hour per process."""
        if self._pruned_at is None or now - self._pruned_at >= self.PRUNE_EVERY:
            await delivery.prune_updates(session, now - delivery.KEEP_UPDATES)
            self._pruned_at = now

    async def _replan(self, session: AsyncSession, now: datetime) -> None:
        """Re-plan the reminders of every record this transaction changed in a way they
        depend on (``reminders.planner.plan_touched``)."""
        logfields.about_records(sorted(records_repo.touched(session)))
        await plan_touched(session, self.services.rules, self.services.timing, now)

    async def _rescue(self, message: IncomingMessage, files: list[EvidenceFile]) -> list[Reply]:
        """Evidence is never dropped: files of a failed message still reach a record."""
        if not files or self.registry.rescue is None:
            return []
        try:
            async with self.db.transaction() as session:
                bound, person = await self._sender(session, message)
                if bound is None or person is None or not person.active:
                    return []
                now = self.services.clock.now()
                ctx = Context(session, message, person, bound, self.services, now, files=files)
                await self.registry.rescue(ctx, "")
                await self._replan(session, now)
                return ctx.replies
        except Exception:
            log.exception("could not rescue %d file(s) of a failed message", len(files))
            return []

    async def _files(self, message: IncomingMessage) -> list[EvidenceFile]:
        """Store a handler's files before the transaction; a stranger's are never fetched.

        Downloading takes seconds, so it happens before the message's transaction, never
        inside it (SQLite has one writer). Whether the sender may bring evidence is read in a
        read-only session (``Database.read``: no ``BEGIN IMMEDIATE``, no write lock taken,
        nothing written), so this adds no write transaction; the transaction re-reads the
        sender anyway, so a person disabled meanwhile is still refused there.
        """
        store, download = self.services.evidence, self.services.download
        if store is None or download is None or not carries_evidence(message):
            return []
        async with self.db.read() as session:
            _bound, person = await self._sender(session, message)
            if person is None or not person.active or Role.HANDLER not in person.roles:
                return []
        return await fetch_files(store, download, message)

    @staticmethod
    def _text(message: IncomingMessage, text: str) -> Reply:
        return Reply(message.transport, message.chat_id, OutgoingMessage(text))

    async def _sender(
        self, session: AsyncSession, message: IncomingMessage
    ) -> tuple[ChatIdentity | None, Staff | None]:
        """The chat account and the person it is bound to (with department and roles), read
        once, in one statement."""
        where = {"transport": message.transport, "external_id": message.user_id}
        found = (await session.execute(_SENDER, where)).unique().first()
        if found is None:
            return None, None
        return found[0], found[1]

    async def _refuse(
        self,
        session: AsyncSession,
        message: IncomingMessage,
        now: datetime,
        bound: ChatIdentity | None,
    ) -> list[Reply]:
        """A stranger (``bound`` None) may only redeem an invite, and so may the account of a
        disabled person (``storage.staff.redeem_invite`` moves it); otherwise a disabled
        person is told their account is disabled. Each refusal leaves one access-denied
        event."""
        language = self.services.language
        parsed = split_command(message.text) if not message.callback else None
        if parsed and parsed[0] == "start" and parsed[1]:
            # An account bound to a disabled person (a work phone handed on) may take a new
            # person's code: it is released from the disabled one, audited, and bound anew.
            redeemed = await staff_repo.redeem_invite(
                session,
                parsed[1],
                transport=message.transport,
                external_id=message.user_id,
                chat_id=message.chat_id,
                display_name=message.user_name,
                at=now,
                replacing=bound,
            )
            if redeemed is not None:
                person = await session.get(Staff, redeemed.staff_id)
                assert person is not None
                lang = Language(person.language) if person.language else language
                notices = await announce_binding(
                    session, person, redeemed, at=now, tz=self.services.tz, language=language
                )
                text = t(lang, "access.bound", name=person.name, court=self.services.court_name)
                if bound is not None:
                    text += "\n" + t(lang, "access.account_moved")
                return [self._text(message, text), *notices]
            await staff_repo.deny(
                session,
                transport=message.transport,
                external_id=message.user_id,
                reason="bad_invite",
                at=now,
            )
            return [self._text(message, t(language, "access.bad_invite"))]
        await staff_repo.deny(
            session,
            transport=message.transport,
            external_id=message.user_id,
            reason="disabled" if bound is not None else "unbound",
            at=now,
        )
        key = "access.disabled" if bound is not None else "access.refused"
        return [self._text(message, t(language, key))]

    async def _dispatch(self, ctx: Context) -> None:
        """Run what the message asks for, apply the step it returns, fit the replies to what
        the transports can show, and save the state."""
        numbered = ctx.services.can(ctx.message.transport).max_buttons < ALL_BUTTONS
        if numbered and ctx.message.callback is None:
            await self._choice_typed(ctx)
        chosen = await self._route(ctx)
        if self.registry.after_change is not None and records_repo.touched(ctx.session):
            await self.registry.after_change(ctx)
        if chosen is not None:
            state = await ctx.state()
            if isinstance(chosen, End):
                state.go(None)
            else:
                state.step = chosen
        self._remember_question(ctx, chosen)
        await self._fit(ctx, numbered)
        await self._save(ctx)

    @staticmethod
    async def _open_question(ctx: Context) -> tuple[str, tuple[tuple[Button, ...], ...]]:
        """The text and buttons of the question the chat waited at before this message, as
        stored: a refusal shows them again, so the judge is never sent to buttons that are
        gone, nor to buttons without what they answer (no buttons when no text is kept)."""
        if ctx.draft is None:
            await ctx.state()
        row = ctx.conversation
        stored = DraftState.load(row.data, None, None) if row is not None else None
        if stored is None or not stored.question_text:
            return "", ()
        return stored.question_text, asked_buttons(stored)

    @staticmethod
    def _remember_question(ctx: Context, chosen: Next) -> None:
        """Keep the buttons of the question just asked (``DraftState.question``): the last
        reply to the sender that has buttons, when the handler chose a step or moved the chat
        to another; none once no dialogue is open."""
        state = ctx.draft
        if state is None:
            return
        if state.step is None:
            state.question = []
            state.question_text = ""
            return
        was = ctx.conversation.step if ctx.conversation is not None else None
        if chosen is None and state.step.value == was:
            return
        mine = [
            reply.message
            for reply in ctx.replies
            if (reply.transport, reply.chat_id) == (ctx.message.transport, ctx.message.chat_id)
            and reply.message.buttons
        ]
        rows = mine[-1].buttons if mine else ()
        state.question = [[(button.label, button.data) for button in row] for row in rows]
        state.question_text = mine[-1].text if mine else ""

    async def _choice_typed(self, ctx: Context) -> None:
        """On a transport that showed the choices as a numbered list, a typed number or
        label of one of them is a press on it."""
        state = await ctx.state()
        typed = ctx.message.text.strip()
        if not state.offered or not typed or ctx.message.attachments:
            return
        if state.step is not None and state.step.value in self.registry.reads_choices:
            return
        for number, (label, data) in enumerate(state.offered, start=1):
            if typed == str(number) or typed.casefold() == label.strip().casefold():
                ctx.message = replace(ctx.message, text="", callback=data, callback_label=label)
                return

    async def _fit(self, ctx: Context, numbered: bool) -> None:
        """Replies with more buttons than their transport shows become numbered lists
        (``N. label`` lines); the sender's own are remembered, to be answered by number."""
        fitted: list[Reply] = []
        offered: list[tuple[str, str]] | None = None
        for reply in ctx.replies:
            buttons = [button for row in reply.message.buttons for button in row]
            if buttons and len(buttons) > ctx.services.can(reply.transport).max_buttons:
                lines = [f"{n}. {button.label}" for n, button in enumerate(buttons, start=1)]
                text = "\n".join([reply.message.text, *lines])
                reply = Reply(
                    reply.transport, reply.chat_id, replace(reply.message, text=text, buttons=())
                )
                if (reply.transport, reply.chat_id) == (ctx.message.transport, ctx.message.chat_id):
                    offered = [(button.label, button.data) for button in buttons]
            fitted.append(reply)
        ctx.replies = fitted
        if numbered:
            state = await ctx.state()
            if offered is not None or state.offered:
                state.offered = offered or []

    async def _save(self, ctx: Context) -> None:
        """Write the dialogue state back, if a handler read it: the one place it is saved."""
        state = ctx.draft
        if state is None:
            return
        data = state.to_json()
        step = state.step.value if state.step is not None else None
        row = ctx.conversation
        await ctx.session.flush()  # a record the state names is stored before it
        connection = await ctx.session.connection()
        values: dict[str, Any] = {"step": step, "data": data, "record_id": state.record_id}
        if row is None:
            where = {"transport": ctx.message.transport, "chat_id": ctx.message.chat_id}
            inserted = await connection.execute(
                _NEW_STATE, {**where, "staff_id": ctx.staff.id, "updated_at": ctx.now, **values}
            )
            row_id = int(inserted.scalar_one())
        elif (row.step, row.record_id, row.data) != (step, state.record_id, data):
            await connection.execute(
                _SAVE_STATE, {"row_id": row.id, "updated_at": ctx.now, **values}
            )
            row_id = row.id
        else:
            return
        ctx.conversation = StoredState(row_id, step, state.record_id, data)

    async def _route(self, ctx: Context) -> Next:
        message = ctx.message
        if message.edited:
            if self.registry.edited is None:
                raise UserError("intake.edited_ignored")
            return await self.registry.edited(ctx, message.text.strip())
        if message.callback:
            callback, value = self._callback(message.callback)
            if callback is None:
                raise UserError("error.stale_button")
            return await callback(ctx, value)
        forwarded_text = message.is_forward and bool(message.text.strip())
        if self.registry.media is not None and (message.attachments or forwarded_text):
            return await self.registry.media(ctx, message.text.strip())
        parsed = split_command(message.text) if not message.attachments else None
        if parsed:
            name, args = parsed
            command = self.registry.commands.get(name)
            if command is None or not command.allowed(ctx.roles):
                raise UserError("error.unknown_command", command=name)
            return await command.handler(ctx, args)
        state = await ctx.state()
        step = self.registry.steps.get(state.step.value if state.step else "")
        if step is not None:
            return await step(ctx, message.text.strip())
        if state.step is not None:
            log.warning("conversation step %r has no handler; resetting it", state.step)
            state.go(None)
        words = self.registry.said(message.text, ctx.roles) if not message.attachments else None
        if words is not None:
            return await self.registry.commands[words.command].handler(ctx, words.args(ctx))
        if self.registry.fallback is not None:
            return await self.registry.fallback(ctx, message.text.strip())
        return None

    def _callback(self, data: str) -> tuple[Handler | None, str]:
        """The handler of a button's ``data`` and the value it is given: the handler
        registered for the longest prefix (``in:amend`` before ``in``) and the rest."""
        head, _, rest = data.partition(":")
        sub, _, value = rest.partition(":")
        nested = self.registry.callbacks.get(f"{head}:{sub}")
        if nested is not None:
            return nested, value
        return self.registry.callbacks.get(head), rest
