"""Typed SQLAlchemy models.

Times are stored in UTC and always come back timezone-aware, whatever the database keeps.
Enum-like columns are typed with their ``StrEnum`` (``vocabulary``): a row reads back as the
member, and a string that is no member is refused before it is written. The database keeps the
member's value as a plain string (no native enum, no CHECK constraint), so a new value never
needs a schema change and a stored value is readable without the code.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from storage.media import DamageReason, EvidenceKind
from storage.vocabulary import (
    Channel,
    CosignStatus,
    Intermediary,
    Language,
    MaterialRoute,
    OriginalsDestination,
    RecordKind,
    RecordStatus,
    ReminderKind,
    ReminderStatus,
    Role,
    UnavailableReason,
    UnitCategory,
)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that refuses naive datetimes and always reads back in UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """UTC for the database (naive UTC on SQLite, which has no time zones). Raises
        ``ValueError`` for a naive datetime.
        """
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime given to a timezone-aware column")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """The stored timestamp as an aware UTC datetime."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _values(enum: type[StrEnum]) -> list[str]:
    return [member.value for member in enum]


def vocabulary(enum: type[StrEnum], length: int) -> Enum:
    """A column type for ``enum``: stored as the member's value in a ``VARCHAR(length)``, read
    back as the member. No native enum type and no CHECK constraint (so the schema is the plain
    string column it always was); writing a string that is no member's value raises
    ``LookupError`` (``validate_strings``), and so does reading one.
    """
    return Enum(
        enum,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=_values,
        validate_strings=True,
    )


class Base(DeclarativeBase):
    """The declarative base: constraint names by ``NAMING`` (so migrations can name them),
    datetimes as ``UTCDateTime``, JSON dicts as JSON.
    """

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON()}  # noqa: RUF012


class Department(Base):
    """A court department (庭/局/室); its name is unique."""

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime]


class Staff(Base):
    """A person of the court; never deleted, only disabled (``active`` false), so records keep
    their handler.
    """

    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    language: Mapped[Language | None] = mapped_column(vocabulary(Language, 10))
    created_at: Mapped[datetime]

    department: Mapped[Department | None] = relationship(lazy="joined")
    role_rows: Mapped[list[StaffRole]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="StaffRole.role"
    )

    @property
    def roles(self) -> frozenset[Role]:
        """The role values (``Role``) the person holds."""
        return frozenset(row.role for row in self.role_rows)


class StaffRole(Base):
    """One role of one person (a person may hold several)."""

    __tablename__ = "staff_roles"

    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), primary_key=True)
    role: Mapped[Role] = mapped_column(vocabulary(Role, 30), primary_key=True)


class ChatIdentity(Base):
    """One chat account bound to one staff member; a person may bind several."""

    __tablename__ = "chat_identities"
    __table_args__ = (UniqueConstraint("transport", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    transport: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(100))
    chat_id: Mapped[str] = mapped_column(String(100))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    display_name: Mapped[str | None] = mapped_column(String(200))
    bound_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    """When the person last wrote from this account (to the minute; see
    ``storage.staff.USED_STEP``): reminders go to the account used last."""


class Invite(Base):
    """A one-time code; only its SHA-256 is stored, so a database leak binds nobody."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_by_identity_id: Mapped[int | None] = mapped_column(ForeignKey("chat_identities.id"))


class Conversation(Base):
    """Where a chat stands in a dialogue; the step is a stored name, never a position."""

    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("transport", "chat_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    transport: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(100))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    step: Mapped[str | None] = mapped_column(String(60))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    record_id: Mapped[int | None] = mapped_column(ForeignKey("records.id"))
    updated_at: Mapped[datetime]


class Record(Base):
    """An inquiry record: a draft from the first message, immutable once submitted.

    Submission freezes it: later corrections are ``RecordAmendment`` rows (who, when, why, old
    and new value), applied here in the same transaction, so the current value and every
    earlier one are both kept.
    """

    __tablename__ = "records"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(60), unique=True)
    status: Mapped[RecordStatus] = mapped_column(vocabulary(RecordStatus, 20), index=True)
    kind: Mapped[RecordKind | None] = mapped_column(vocabulary(RecordKind, 30))
    handler_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    received_at: Mapped[datetime] = mapped_column(index=True)
    received_confirmed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime]
    submitted_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]
    withdraw_reason: Mapped[str | None] = mapped_column(Text)
    inquiry_at: Mapped[datetime | None]
    channel: Mapped[Channel | None] = mapped_column(vocabulary(Channel, 30))
    channel_other: Mapped[str | None] = mapped_column(String(200))
    inquirer_name: Mapped[str | None] = mapped_column(String(100))
    inquirer_unit: Mapped[str | None] = mapped_column(String(200))
    inquirer_position: Mapped[str | None] = mapped_column(String(200))
    unit_category: Mapped[UnitCategory | None] = mapped_column(vocabulary(UnitCategory, 30))
    retired: Mapped[bool | None] = mapped_column(Boolean)
    main_leader: Mapped[bool | None] = mapped_column(Boolean)
    intermediary: Mapped[Intermediary | None] = mapped_column(vocabulary(Intermediary, 20))
    intermediary_name: Mapped[str | None] = mapped_column(String(100))
    intermediary_relation: Mapped[str | None] = mapped_column(String(100))
    case_name: Mapped[str | None] = mapped_column(String(300))
    case_number: Mapped[str | None] = mapped_column(String(60), index=True)
    case_not_filed: Mapped[bool | None] = mapped_column(Boolean)
    summary: Mapped[str | None] = mapped_column(Text)
    art9_items: Mapped[list[int] | None] = mapped_column(JSON)
    art9_other: Mapped[str | None] = mapped_column(Text)
    """What the other behaviour was, when Art. 9 item (14) is among ``art9_items``."""
    serious: Mapped[bool | None] = mapped_column(Boolean)
    place: Mapped[str | None] = mapped_column(String(300))
    persons_present: Mapped[str | None] = mapped_column(Text)
    material_route: Mapped[MaterialRoute | None] = mapped_column(vocabulary(MaterialRoute, 30))
    originals_destination: Mapped[OriginalsDestination | None] = mapped_column(
        vocabulary(OriginalsDestination, 30)
    )
    originals_note: Mapped[str | None] = mapped_column(String(300))
    cosigners_done: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """Every co-signer has confirmed (Art. 3 签字确认); a dispute leaves it False."""
    serious_alerted_at: Mapped[datetime | None]
    upward_listed_at: Mapped[datetime | None]
    platform_entered_at: Mapped[datetime | None]
    platform_ref: Mapped[str | None] = mapped_column(String(100))
    form_delivered_at: Mapped[datetime | None]
    fields: Mapped[dict[str, Any]] = mapped_column(default=dict)

    cosigners: Mapped[list[RecordCosigner]] = relationship(
        lazy="selectin", order_by="RecordCosigner.id", back_populates="record"
    )


def stored_field(record: Record, key: str) -> Any:
    """``record.fields[key]``, None when absent: the one reading of a key of a record's
    ``fields`` whatever carries the record. A report's plain row
    (``reports.quarterly.records_in``) has no ``fields`` but the few keys the documents read,
    as columns of the same name: read there."""
    fields = getattr(record, "fields", None)
    if isinstance(fields, dict):
        return fields.get(key)
    return getattr(record, key, None)


class RecordCosigner(Base):
    """A court staff member present at an in-person inquiry, who confirms or disputes (Art. 3).

    One who is not in the bot (a bailiff or clerk without an account) has no ``staff_id`` and
    is named by ``name``: they sign the printed form by hand, and stay pending until the
    handler confirms that paper signature (``storage.records.confirm_paper``), which makes
    them confirmed like an answer in the chat."""

    __tablename__ = "record_cosigners"
    __table_args__ = (UniqueConstraint("record_id", "staff_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    name: Mapped[str | None] = mapped_column(String(100))
    """The name of a person present who is not in the bot (``staff_id`` None); else None."""
    status: Mapped[CosignStatus] = mapped_column(vocabulary(CosignStatus, 20))
    reason: Mapped[str | None] = mapped_column(Text)
    requested_at: Mapped[datetime | None]
    responded_at: Mapped[datetime | None]

    record: Mapped[Record] = relationship(back_populates="cosigners")
    staff: Mapped[Staff | None] = relationship(lazy="joined")

    @property
    def offline(self) -> bool:
        """Not in the bot: signs the printed form by hand (Art. 3)."""
        return self.staff_id is None

    @property
    def who(self) -> str:
        """The person's name: the staff member's, or the one typed for a person not in the
        bot."""
        if self.staff is not None:
            return self.staff.name
        return self.name or ""


class RecordAmendment(Base):
    """A correction to a submitted record. Append-only."""

    __tablename__ = "record_amendments"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id"), index=True)
    field: Mapped[str] = mapped_column(String(40))
    old_value: Mapped[str] = mapped_column(Text)
    new_value: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    by_staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    at: Mapped[datetime]


class RecordCounter(Base):
    """The running number of submitted records in a year."""

    __tablename__ = "record_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer)


class Reminder(Base):
    """One message the bot owes someone at a time: the outbox.

    Rows are planned when a record changes and cancelled when the milestone is met; the
    dispatcher claims due rows, sends them and marks them, so a restart neither loses nor
    repeats one. ``key`` makes planning idempotent.
    """

    __tablename__ = "reminders"
    __table_args__ = (Index("ix_reminders_status_due", "status", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[ReminderKind] = mapped_column(vocabulary(ReminderKind, 40))
    record_id: Mapped[int | None] = mapped_column(ForeignKey("records.id"), index=True)
    quarter: Mapped[str | None] = mapped_column(String(7))
    deadline: Mapped[datetime | None]
    recipient_staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    due_at: Mapped[datetime]
    status: Mapped[ReminderStatus] = mapped_column(vocabulary(ReminderStatus, 20))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_until: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    repeat: Mapped[bool] = mapped_column(Boolean, default=False)
    detail: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]


class HolidaySchedule(Base):
    """A year's holidays and make-up working days as the admin loaded them; the newest wins."""

    __tablename__ = "holiday_schedules"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    content: Mapped[str] = mapped_column(Text)
    loaded_at: Mapped[datetime]
    loaded_by: Mapped[str] = mapped_column(String(100))


class QuarterReport(Base):
    """The quarterly summary (Art. 7): when trial management reported it."""

    __tablename__ = "quarter_reports"

    quarter: Mapped[str] = mapped_column(String(7), primary_key=True)
    reported_at: Mapped[datetime]
    reported_by_staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))


class AuditEvent(Base):
    """One link of the audit chain. Rows are never updated or deleted (triggers enforce it)."""

    __tablename__ = "audit_events"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(40), index=True)
    actor_staff_id: Mapped[int | None] = mapped_column(Integer)
    actor: Mapped[str | None] = mapped_column(String(200))
    subject: Mapped[str | None] = mapped_column(String(200), index=True)
    payload: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditHead(Base):
    """The chain's last link: one row, locked by every writer so the chain never forks."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


class EvidenceBlob(Base):
    """One stored file, named by its SHA-256: the same bytes sent twice are one blob.

    Append-only (triggers refuse UPDATE and DELETE), so everything about the bytes, the
    thumbnail included, is worked out before the row is written. ``kind`` and ``mime`` come
    from the bytes, never from what the sender declared.
    """

    __tablename__ = "evidence_blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    mime: Mapped[str] = mapped_column(String(100))
    kind: Mapped[EvidenceKind] = mapped_column(vocabulary(EvidenceKind, 20), index=True)
    damaged: Mapped[bool] = mapped_column(Boolean)
    damage_reason: Mapped[DamageReason | None] = mapped_column(vocabulary(DamageReason, 40))
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    duration_ms: Mapped[int | None] = mapped_column(BigInteger)
    thumbnail_sha256: Mapped[str | None] = mapped_column(String(64))
    stored_at: Mapped[datetime]


class EvidenceItem(Base):
    """One file as received for one record; append-only like its blob.

    ``blob_sha256`` is null when the bytes were not kept (over the size cap, or the transport
    could not deliver them): the metadata is evidence too.
    """

    __tablename__ = "evidence_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id"), index=True)
    blob_sha256: Mapped[str | None] = mapped_column(
        String(64), ForeignKey("evidence_blobs.sha256"), index=True
    )
    original_name: Mapped[str | None] = mapped_column(String(255))
    declared_mime: Mapped[str | None] = mapped_column(String(100))
    declared_size: Mapped[int | None] = mapped_column(BigInteger)
    transport: Mapped[str] = mapped_column(String(20))
    transport_file_id: Mapped[str | None] = mapped_column(String(255))
    source_message_id: Mapped[str | None] = mapped_column(String(100))
    received_at: Mapped[datetime]
    added_at: Mapped[datetime]
    added_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    over_cap: Mapped[bool] = mapped_column(Boolean)
    unavailable_reason: Mapped[UnavailableReason | None] = mapped_column(
        vocabulary(UnavailableReason, 40)
    )
    disguised: Mapped[bool] = mapped_column(Boolean)
    caption: Mapped[str | None] = mapped_column(Text)
    """The text the file came with: the judge's own words, kept with the file."""
    forward_sender: Mapped[str | None] = mapped_column(String(255))
    """A forward's original author: a name, a hidden user's chosen name, a chat's title."""
    forward_chat: Mapped[str | None] = mapped_column(String(255))
    """A forward's original chat, when the chat service names it."""
    forward_sent_at: Mapped[datetime | None]
    """When a forwarded message was first sent."""

    blob: Mapped[EvidenceBlob | None] = relationship(lazy="joined")


class ProcessedUpdate(Base):
    """An update a chat service delivered and the bot took in; the same key again is a repeat.

    Chat services deliver at least once (Telegram sends an update again when a restart came
    before it was confirmed, or when a webhook's answer was lost), so a transport claims each
    update here before handling it. The row holds no message content, and rows older than a
    few days are pruned: a service never repeats an update that old.
    """

    __tablename__ = "processed_updates"

    transport: Mapped[str] = mapped_column(String(20), primary_key=True)
    update_key: Mapped[str] = mapped_column(String(100), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(index=True)


class OutboxReply(Base):
    """A reply the bot owes a chat, written in the transaction that decided it.

    The engine writes every reply of a message here in that message's transaction; the app
    sends the rows once it has committed and deletes each one sent. A row still here after a
    crash is sent by the next run (``storage.replies.orphans``), so what the database holds was
    also said. ``message`` is the ``OutgoingMessage`` as JSON (text, buttons as ``[[label,
    data], ...]`` rows, document and photo paths). ``claimed_until`` is the lease of the run
    re-sending a crashed run's row, so two running instances do not both send it.
    """

    __tablename__ = "reply_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    transport: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(100))
    message: Mapped[dict[str, Any]]
    language: Mapped[Language | None] = mapped_column(vocabulary(Language, 10))
    created_at: Mapped[datetime] = mapped_column(index=True)
    claimed_until: Mapped[datetime | None]
