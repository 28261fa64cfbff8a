"""The words every layer shares: roles, languages, record states.

Each value's name in each language (``storage/locale/<language>.toml``, loaded by
``storage.catalog``) is looked up here, so that a report, a reminder and a chat prompt can
never disagree about what a code means. Values are stored in the database as strings, so a value,
once released, is never renamed.
"""

from __future__ import annotations

from enum import StrEnum

from storage.catalog import load


class Language(StrEnum):
    """A language the bot speaks; the value is the catalog folder's name (BCP 47)."""

    ZH = "zh-CN"
    EN = "en"


class Role(StrEnum):
    """What a person may do; stored as the value. A person may hold several roles."""

    HANDLER = "handler"
    INTEGRITY_OFFICER = "integrity_officer"
    DISCIPLINE = "discipline"
    TRIAL_MANAGEMENT = "trial_management"
    COMPILER = "compiler"
    LEADER = "leader"
    ADMIN = "admin"


MAX_INVITE_HOURS = 720
"""The longest an invite code may stay valid, in hours: 30 days. A one-time code is a password
handed over in person; one left valid for months is one that anyone who finds it can use."""

DEPARTMENT_ROLES: frozenset[Role] = frozenset({Role.HANDLER, Role.INTEGRITY_OFFICER})
"""Roles whose duties belong to a department, so their holder must have one: a handler's
breaches go to their department's integrity officer, and an integrity officer watches their
department's handlers (Art. 10). Without a department nobody would ever be told."""


class RecordStatus(StrEnum):
    """Where a record is: a draft being written, submitted (numbered, only amended from then
    on), or withdrawn (kept for ever, never deleted).
    """

    DRAFT = "draft"
    SUBMITTED = "submitted"
    WITHDRAWN = "withdrawn"


class RecordKind(StrEnum):
    """External (Art. 2-3), a commissioned reference opinion (Art. 5), or internal (Art. 14)."""

    EXTERNAL = "external"
    REFERENCE_OPINION = "reference_opinion"
    INTERNAL = "internal"


class Channel(StrEnum):
    """How the inquiry reached the court (Art. 3: letter, phone, SMS, WeChat and other channels)."""

    LETTER = "letter"
    MAIL = "mail"
    PHONE = "phone"
    SMS = "sms"
    WECHAT = "wechat"
    WEIBO = "weibo"
    EMAIL = "email"
    OTHER_NETWORK = "other_network"
    IN_PERSON = "in_person"
    OTHER = "other"


NETWORK_CHANNELS = frozenset(
    {Channel.SMS, Channel.WECHAT, Channel.WEIBO, Channel.EMAIL, Channel.OTHER_NETWORK}
)
WRITTEN_CHANNELS = frozenset({Channel.LETTER, Channel.MAIL})
ORAL_CHANNELS = frozenset({Channel.IN_PERSON, Channel.PHONE})
"""Inquiries that bring no materials: Art. 4 and Art. 6 (where materials went, how they came)
do not apply to them."""


class UnitCategory(StrEnum):
    """Art. 13: where an external leading cadre serves."""

    PARTY = "party"
    CONGRESS = "congress"
    GOVERNMENT = "government"
    CPPCC = "cppcc"
    PROCURATORATE = "procuratorate"
    MILITARY = "military"
    COMPANY = "company"
    ENTERPRISE = "enterprise"
    INSTITUTION = "institution"
    SOCIAL_ORGANISATION = "social_organisation"


class Intermediary(StrEnum):
    """Art. 2: the cadre asked in person, or through their staff or a relative."""

    NONE = "none"
    STAFF = "staff"
    RELATIVE = "relative"


class MaterialRoute(StrEnum):
    """Art. 6: materials should come through the department's integrity officer."""

    DIRECT = "direct"
    VIA_INTEGRITY_OFFICER = "via_integrity_officer"


class OriginalsDestination(StrEnum):
    """Art. 4 and 5: where written originals went."""

    SUB_FILE = "sub_file"
    MAIN_FILE = "main_file"
    ELSEWHERE = "elsewhere"
    NO_ORIGINAL = "no_original"


class Milestone(StrEnum):
    """A step a record owes after submission, each with its deadline (registration, entry on the
    case platform, delivery of the form, co-signature by the staff present).
    """

    REGISTERED = "registered"
    PLATFORM_ENTERED = "platform_entered"
    FORM_DELIVERED = "form_delivered"
    COSIGNED = "cosigned"


class CosignStatus(StrEnum):
    """A co-signer's answer: not yet given, confirmed, or disputed (with a reason)."""

    PENDING = "pending"
    CONFIRMED = "confirmed"
    DISPUTED = "disputed"


class ReminderKind(StrEnum):
    """Why a reminder is sent (the deadline it is about and who is told); stored as the value."""

    DAY_BEFORE = "day_before"
    LAST_DAY = "last_day"
    BREACH = "breach"
    BREACH_OFFICER = "breach_officer"
    ESCALATION = "escalation"
    COSIGN_DAY_BEFORE = "cosign_day_before"
    COSIGN_LAST_DAY = "cosign_last_day"
    COSIGN_OVERDUE = "cosign_overdue"
    PAPER_DAY_BEFORE = "paper_day_before"
    PAPER_LAST_DAY = "paper_last_day"
    PAPER_OVERDUE = "paper_overdue"
    QUARTER_END = "quarter_end"
    QUARTER_DUE_SOON = "quarter_due_soon"
    QUARTER_DUE_TODAY = "quarter_due_today"
    QUARTER_OVERDUE = "quarter_overdue"
    HOLIDAYS_MISSING = "holidays_missing"
    DELIVERY_FAILED = "delivery_failed"
    FORM_COPY = "form_copy"
    COPY_OUTSTANDING = "copy_outstanding"
    STAFF_DISABLED = "staff_disabled"
    DRAFT_UNTIMED = "draft_untimed"
    DONE_LATE = "done_late"


class ReminderStatus(StrEnum):
    """Where a reminder row is: waiting, leased by an instance sending it, sent, failed for good,
    or cancelled (no longer owed).
    """

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


class UnavailableReason(StrEnum):
    """Why an item has metadata but no bytes."""

    OVER_CAP = "over_cap"
    TOO_BIG_FOR_TRANSPORT = "too_big_for_transport"
    DOWNLOAD_FAILED = "download_failed"
    STORAGE_FULL = "storage_full"
    STORE_UNAVAILABLE = "store_unavailable"


ART9_ITEMS = tuple(range(1, 15))


_SECTIONS: tuple[tuple[str, type[StrEnum]], ...] = (
    ("role", Role),
    ("record_status", RecordStatus),
    ("record_kind", RecordKind),
    ("channel", Channel),
    ("unit_category", UnitCategory),
    ("intermediary", Intermediary),
    ("material_route", MaterialRoute),
    ("originals_destination", OriginalsDestination),
    ("milestone", Milestone),
    ("cosign_status", CosignStatus),
)
_NAMES = load("storage", tuple(language.value for language in Language))

LABELS: dict[StrEnum, dict[Language, str]] = {
    member: {language: _NAMES[language.value][f"{section}.{member.value}"] for language in Language}
    for section, enum in _SECTIONS
    for member in enum
}
"""The name of each vocabulary value in each language (``storage/locale/<language>.toml``,
one section an enum, keyed by the stored value)."""

ART9_LABELS: dict[int, dict[Language, str]] = {
    item: {language: _NAMES[language.value][f"art9.{item}"] for language in Language}
    for item in ART9_ITEMS
}
"""The short name of each of Art. 9's items (1-14) in each language."""


def label(value: StrEnum, language: Language) -> str:
    """The display name of a vocabulary value in the given language, as it is written inside
    a sentence (``people's congress``, ``Party organ``, ``WeChat``)."""
    return LABELS[value][language]


def at_start(name: str) -> str:
    """A vocabulary name where it starts a table cell, a label's value or a button: its first
    letter a capital (``People's congress``, ``Government``), the rest as written, so that
    names side by side begin alike. Inside a sentence a name is used as written (:func:`label`).
    Chinese names have no case and are returned unchanged."""
    return name[:1].upper() + name[1:]


def label_at_start(value: StrEnum, language: Language) -> str:
    """:func:`label` where the name starts a cell, a label's value or a button."""
    return at_start(label(value, language))


def known_roles(values: frozenset[str] | set[str]) -> list[Role]:
    """The stored role strings that this version knows, in a stable order."""
    return [role for role in Role if role.value in values]


NONE_ANSWER = "无"
"""A text question's answer "none" (nobody else present), as the judge types it (or presses
its button) and the record keeps it; shown in the reader's words (``common.none``)."""
