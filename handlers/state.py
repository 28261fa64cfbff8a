"""Where a chat stands in a dialogue: the step it waits at and the dialogue's values, typed.

``DraftState`` is stored as JSON in ``Conversation.data`` (with the step also in
``Conversation.step``) and written back only by the engine, once a message has been handled:
handlers change the state they are given and return the next step (``StepName``, ``END`` to
close the dialogue, None to stay), as in python-telegram-bot's ``ConversationHandler``.

Stored state carries a version. Version 1 is this model; a state from before versions (the
untyped dict: ``history``, ``art9``, ``pending_files``...) is read into it; a state that does
not validate, or of a version this code does not know, loads as no dialogue at all, keeping
only the files a question was holding (evidence is never dropped) and the draft it was on.
"""

from __future__ import annotations

import logging
from enum import Enum, StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

log = logging.getLogger(__name__)

VERSION = 1

INTAKE = "intake."
"""The prefix of an intake question's step: ``intake.`` and the field's ``fields.Step``."""


class StepName(StrEnum):
    """Every step a chat can wait at; the values are what the database stores."""

    INVITE_WHO = "invite.who"
    COSIGN_REASON = "cosign.reason"
    PLATFORM_REF = "ms.platform_ref"
    INTAKE_MEDIA = "intake.media"
    INTAKE_REVIEW = "intake.review"
    INTAKE_PROPOSED = "intake.proposed"
    INTAKE_EDIT = "intake.edit"
    INTAKE_CANCEL_REASON = "intake.cancel_reason"
    INTAKE_HELD_REASON = "intake.held_reason"
    AMEND_FIELD = "intake.amend_field"
    AMEND_VALUE = "intake.amend_value"
    AMEND_REASON = "intake.amend_reason"
    AMEND_ALSO = "intake.amend_also"
    # One per intake question (``fields.Step``); a test checks none is missing.
    ASK_RECEIVED_AT = "intake.received_at"
    ASK_SOURCE = "intake.source"
    ASK_INQUIRY_AT = "intake.inquiry_at"
    ASK_CHANNEL = "intake.channel"
    ASK_CHANNEL_OTHER = "intake.channel_other"
    ASK_INQUIRER_NAME = "intake.inquirer_name"
    ASK_INQUIRER_UNIT = "intake.inquirer_unit"
    ASK_INQUIRER_POSITION = "intake.inquirer_position"
    ASK_UNIT_CATEGORY = "intake.unit_category"
    ASK_RETIRED = "intake.retired"
    ASK_MAIN_LEADER = "intake.main_leader"
    ASK_INTERMEDIARY = "intake.intermediary"
    ASK_INTERMEDIARY_NAME = "intake.intermediary_name"
    ASK_INTERMEDIARY_RELATION = "intake.intermediary_relation"
    ASK_CASE_NAME = "intake.case_name"
    ASK_CASE_NUMBER = "intake.case_number"
    ASK_DEPARTMENT = "intake.department"
    ASK_SUMMARY = "intake.summary"
    ASK_ART9 = "intake.art9"
    ASK_ART9_OTHER = "intake.art9_other"
    ASK_SERIOUS = "intake.serious"
    ASK_PLACE = "intake.place"
    ASK_PERSONS_PRESENT = "intake.persons_present"
    ASK_STAFF_PRESENT = "intake.staff_present"
    ASK_ROUTE = "intake.route"
    ASK_ORIGINALS = "intake.originals"
    ASK_ORIGINALS_NOTE = "intake.originals_note"

    @property
    def question(self) -> str | None:
        """The intake field (a ``fields.Step`` value) this step asks, or None."""
        if self.name.startswith("ASK_"):
            return self.value[len(INTAKE) :]
        return None


CORRECTING = frozenset(
    {StepName.AMEND_FIELD, StepName.AMEND_VALUE, StepName.AMEND_REASON, StepName.AMEND_ALSO}
)
"""The steps of a correction after submission: while the chat is at one, the correction's
field list takes a press; /cancel (and /new) abandon it, the record unchanged."""


class End(Enum):
    """A step's answer that closes the dialogue (python-telegram-bot's ``END``)."""

    END = "end"


END = End.END

Next = StepName | End | None
"""What a step returns: the step to wait at next, ``END``, or None to stay where it is."""


def step_named(value: str | None) -> StepName | None:
    """The step stored as ``value``; None (with a warning) for one this code does not know."""
    if not value:
        return None
    try:
        return StepName(value)
    except ValueError:
        log.warning("conversation step %r is unknown; resetting it", value)
        return None


class LastAnswer(BaseModel):
    """The last answer typed at an intake question, and that question's number."""

    model_config = ConfigDict(extra="ignore")

    question: int
    step: str
    text: str
    message_id: str | None = None
    """The chat service's id of the message that answered, to find it again if edited."""


class HeldFiles(BaseModel):
    """Files that came while a question was open, held until it is answered: the evidence
    files as ``IncomingFile.to_json`` gave them, the caption, the forward's original time
    (ISO 8601) and the album."""

    model_config = ConfigDict(extra="ignore")

    files: list[dict[str, Any]] = Field(default_factory=list)
    caption: str = ""
    forwarded_at: str | None = None
    album: str | None = None


class DraftState(BaseModel):
    """A chat's dialogue: the step, the draft it is on, and what the dialogue remembers.

    ``history``: the intake steps answered, for ``back``. ``asked``: questions asked in this
    chat, so an answer is tied to the question it answers (with ``answer``). ``art9``: the
    Art. 9 items ticked so far. ``album``: the media group the draft was opened with.
    ``resume``: the step to return to after the add-or-new question. ``held``: files waiting
    for that question. ``data``: a small dialogue's own values (an amendment's record and
    field, a co-signer's record). ``offered``: the choices last sent to this chat as a
    numbered list (``(label, button data)``), by a transport that cannot show that many
    buttons: their number or label typed back counts as the press. ``question``: the open
    question's buttons.
    """

    model_config = ConfigDict(extra="ignore", validate_assignment=True)

    v: int = VERSION
    step: StepName | None = None
    record_id: int | None = None
    history: list[str] = Field(default_factory=list)
    asked: int = 0
    answer: LastAnswer | None = None
    art9: list[int] = Field(default_factory=list)
    album: str | None = None
    resume: StepName | None = None
    held: HeldFiles | None = None
    data: dict[str, Any] = Field(default_factory=dict)
    offered: list[tuple[str, str]] = Field(default_factory=list)
    question: list[list[tuple[str, str]]] = Field(default_factory=list)
    """The buttons (rows of ``(label, button data)``) of the question the chat waits at, as
    it was last asked: every refusal while it is open shows them again."""
    question_text: str = ""
    """The text of the message that carried ``question``'s buttons: a transport whose
    buttons do not outlive its process shows the question again with it."""

    def go(self, step: StepName | None, /, **data: Any) -> None:
        """Wait at ``step`` in a new dialogue holding ``data`` (see ``fresh``)."""
        self.fresh(**data)
        self.step = step

    def fresh(self, **data: Any) -> None:
        """Start a new dialogue holding ``data``: what the last one remembered is dropped,
        except held files (only their owner removes them), the draft, the question counter
        and the step (which the handler returns)."""
        self.history = []
        self.answer = None
        self.art9 = []
        self.album = None
        self.resume = None
        self.data = dict(data)

    def to_json(self) -> dict[str, Any]:
        """The state as stored in ``Conversation.data``."""
        return self.model_dump(mode="json", exclude={"step", "record_id"})

    @classmethod
    def load(cls, raw: object, step: str | None, record_id: int | None) -> DraftState:
        """The state stored as ``raw`` (``Conversation.data``) with the row's ``step`` and
        ``record_id``; never raises (see the module's rules for old and unknown versions)."""
        stored = dict(raw) if isinstance(raw, dict) else {}
        version = stored.get("v")
        if version is None:
            stored = _from_untyped(stored)
        elif version != VERSION:
            log.warning("conversation state of version %r is unknown; starting afresh", version)
            return cls(record_id=record_id, held=_held_or_none(stored.get("held")))
        try:
            state = cls.model_validate(
                {**stored, "v": VERSION, "step": step_named(step), "record_id": record_id}
            )
        except ValidationError as problem:
            log.warning("conversation state does not validate (%s); starting afresh", problem)
            state = cls(record_id=record_id, held=_held_or_none(stored.get("held")))
        return state


def _held_or_none(raw: object) -> HeldFiles | None:
    try:
        return HeldFiles.model_validate(raw) if isinstance(raw, dict) else None
    except ValidationError:
        return None


def _from_untyped(data: dict[str, Any]) -> dict[str, Any]:
    """The untyped dict stored before versions, as version 1."""
    known = {"history", "art9", "album", "resume"}
    converted: dict[str, Any] = {k: v for k, v in data.items() if k in known}
    if data.get("pending_files"):
        converted["held"] = {
            "files": data.get("pending_files") or [],
            "caption": data.get("pending_caption") or "",
            "forwarded_at": data.get("pending_forwarded"),
            "album": data.get("pending_album"),
        }
    extras = {k: v for k, v in data.items() if k not in known and not k.startswith("pending_")}
    converted["data"] = extras
    return converted
