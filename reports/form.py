"""The statistics form (外部领导干部干预过问案件情况统计表): one record, printed.

Every field of the intake, the classifications (Art. 5 kind, Art. 7 main leader and serious
case, Art. 9 items, Art. 13 unit category), the route and where the originals went, the
co-signatures, each milestone with its deadline, time and standing, the evidence list with
SHA-256, the corrections, and the audit chain head at printing. PDF and DOCX say the same: it
is the copy that is delivered to discipline inspection and trial management (Art. 6).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from reminders.deadlines import DeadlineRules
from reports.amendment import field_label, value_words
from reports.columns import (
    COLUMNS,
    FORM_ONLY,
    Column,
    Value,
    cosign_words,
    cosigner_entries,
    day_only_values,
    stamp,
    state_words,
)
from reports.document import Block, Document, Grid, Heading, Pairs, Para, Signatures, texts
from reports.facts import EvidenceLine, MilestoneLine, RecordFacts, State, facts_for, load_names
from reports.files import atomic_write, safe_name
from reports.fonts import fonts, placeholder
from reports.text import numeral, tr, vocab
from storage import audit
from storage.lists import join_list
from storage.media import EvidenceKind
from storage.models import Record
from storage.records import EarlierAnswer
from storage.vocabulary import (
    ORAL_CHANNELS,
    CosignStatus,
    Language,
    MaterialRoute,
    Milestone,
    RecordKind,
    at_start,
)

# The form's sections, each a run of columns in the order of ``reports.columns``.
SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("receipt", ("number", "status", "kind", "received_at", "inquiry_at", "channel",
                 "channel_other")),
    ("inquirer", ("inquirer_name", "inquirer_unit", "inquirer_position", "unit_category",
                  "retired", "main_leader", "intermediary", "intermediary_name",
                  "intermediary_relation")),
    ("case", ("case_name", "case_number", "department", "handler")),
    ("inquiry", ("summary", "art9", "art9_other", "serious", "place", "persons_present")),
    ("cosigners", ("cosigners",)),
    ("materials", ("route", "originals", "originals_note")),
)  # fmt: skip
# Shown even when empty: the Art. 3 fields a form must never silently lack.
ALWAYS = frozenset(
    {"number", "status", "received_at", "channel", "inquirer_name", "inquirer_unit",
     "inquirer_position", "case_name", "case_number", "department", "handler", "summary"}
)  # fmt: skip
BY_KEY: dict[str, Column] = {column.key: column for column in (*COLUMNS, *FORM_ONLY)}
# Printed under the milestones, each when it has a value.
AFTER_MILESTONES = ("platform_ref", "serious_alerted_at", "upward_listed_at")
PRINTED: tuple[str, ...] = (*(key for _, keys in SECTIONS for key in keys), *AFTER_MILESTONES)
"""Every field the form prints, by its column key (``reports.columns``), in the form's order."""


@dataclass(frozen=True)
class FormFiles:
    """The written form of one record: the PDF, the DOCX and the audit chain head they print."""

    pdf: Path
    docx: Path
    head_seq: int
    head_hash: str
    missing: tuple[str, ...] = ()
    """Characters no font has: printed as ``[U+XXXXX]`` in the PDF (``missing_words``); the
    sender is told."""

    @property
    def paths(self) -> tuple[Path, ...]:
        """Both files, PDF first (the order they are sent in)."""
        return (self.pdf, self.docx)


def text_of(value: Value, tz: ZoneInfo) -> str:
    """A column value as the form prints it: aware datetimes in ``tz``, None as ``""``."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return stamp(value, tz)
    return str(value)


def last_day(deadline: datetime, tz: ZoneInfo) -> str:
    """A deadline ends at 24:00 of its last day; the day is what a person reads."""
    return (deadline.astimezone(tz) - timedelta(microseconds=1)).strftime("%Y-%m-%d")


def _pairs(
    facts: RecordFacts,
    keys: tuple[str, ...],
    language: Language,
    tz: ZoneInfo,
    *,
    always: frozenset[str] = ALWAYS,
) -> Pairs:
    rows = []
    for key in keys:
        column = BY_KEY[key]
        value = text_of(column.one(facts, language, tz), tz)
        if key == "kind" and facts.record.kind in set(RecordKind):
            value = tr(language, f"kind.{facts.record.kind}")  # Art. 5 in the rule's words
        if value or key in always:
            rows.append((column.title(language), value or tr(language, "common.blank")))
    return Pairs(tuple(rows))


# Punctuation that ends a clause: a part ending in one takes no second mark after it.
CLAUSE_ENDS = frozenset("。；，、：！？.;,:!?")
SENTENCE_ENDS = frozenset(".!?")


def clauses(separator: str, parts: Sequence[str]) -> str:
    """``parts`` joined by ``separator`` (e.g. ``；`` or ``; ``), except that after a part
    ending in a mark of :data:`CLAUSE_ENDS` (a reason typed ``…院长办公室。``) only the
    separator's spaces follow: never ``。；`` or ``.;``; and a part after a full stop (``.``,
    ``!``, ``?``) starts a sentence, so its first letter is a capital (``room. After the
    correction``). The parts are otherwise kept as typed."""
    out = ""
    for n, part in enumerate(parts):
        if n:
            last = out.rstrip()[-1:]
            ended = last in CLAUSE_ENDS
            out += (" " if separator.endswith(" ") else "") if ended else separator
            if last in SENTENCE_ENDS:
                part = part[:1].upper() + part[1:]
        out += part
    return out


def _cosigners(facts: RecordFacts, language: Language, tz: ZoneInfo) -> list[Block]:
    """Section 五 (Art. 3): one row a person present, their earlier answers and a removal by
    a correction in the row (``columns.cosigner_entries``)."""
    entries = cosigner_entries(facts, language, tz)
    if not entries:
        return [Para(tr(language, "form.no_cosigners"))]
    header = tuple(tr(language, f"form.cosign_{name}") for name in ("name", "status", "at", "note"))
    return [Grid(header, tuple(tuple(entry) for entry in entries))]


def _answered(answer: EarlierAnswer) -> CosignStatus:
    return CosignStatus.CONFIRMED if answer.confirmed else CosignStatus.DISPUTED


def _answer_text(
    language: Language,
    status: CosignStatus | str,
    reason: str | None,
    at: datetime | None,
    tz: ZoneInfo,
    offline: bool = False,
) -> str:
    text = cosign_words(status, offline, language)
    if at is not None:
        text = tr(language, "form.sign_at", status=text, at=stamp(at, tz))
    if status == CosignStatus.DISPUTED and reason:
        text = tr(language, "form.sign_disputed", answer=text, reason=reason)
    return text


def _signatures(facts: RecordFacts, language: Language, tz: ZoneInfo) -> Signatures:
    """Art. 3: the handler and each court staff member present sign by hand, beside what
    they confirmed in the bot; Art. 6: the integrity officer registers materials routed
    through them."""
    record = facts.record
    header = tuple(
        tr(language, f"form.sign_{name}") for name in ("role", "name", "bot", "sign", "date")
    )
    rows = [
        (
            tr(language, "form.sign_handler"),
            facts.handler or tr(language, "common.blank"),
            tr(language, "form.sign_submitted", at=stamp(record.submitted_at, tz))
            if record.submitted_at
            else tr(language, "form.sign_not_submitted"),
        )
    ]
    for c in facts.cosigners:
        confirmed = _answer_text(language, c.status, c.reason, c.responded_at, tz, c.offline)
        if c.earlier:
            rounds = [_answer_text(language, _answered(a), a.reason, a.at, tz) for a in c.earlier]
            rounds.append(tr(language, "form.cosign_again", status=confirmed))
            confirmed = clauses(tr(language, "form.cosign_rounds_separator"), rounds)
        rows.append((tr(language, "form.sign_present"), c.name, confirmed))
    if record.material_route == MaterialRoute.VIA_INTEGRITY_OFFICER:
        rows.append(
            (tr(language, "form.sign_integrity"), "", tr(language, "form.sign_integrity_note"))
        )
    return Signatures(header, tuple(rows))  # type: ignore[arg-type]


def _milestone_row(
    line: MilestoneLine, language: Language, tz: ZoneInfo, delivering: datetime | None
) -> tuple[str, str, str, str]:
    """One Art. 6 step as the form prints it. On the copy that delivers the form
    (``delivering``: when it is sent), the step 报送表格复印件 not yet done reads as done by
    this copy at that time, on time or late as it will be once the copy arrives: the copy
    never says its own delivery is missed or not yet due."""
    met, state = stamp(line.met, tz), state_words(line.state, language)
    if delivering is not None and line.milestone is Milestone.FORM_DELIVERED and line.met is None:
        met = tr(language, "form.delivered_by_this_copy", at=stamp(delivering, tz))
        state = state_words(State.ON_TIME if delivering < line.deadline else State.LATE, language)
    return (vocab(Milestone, line.milestone, language), last_day(line.deadline, tz), met, state)


def _milestones(
    facts: RecordFacts,
    language: Language,
    tz: ZoneInfo,
    delivering: datetime | None = None,
    unconfirmed: Sequence[int] = (),
) -> list[Block]:
    header = tuple(
        tr(language, f"form.milestone_{name}") for name in ("what", "deadline", "met", "state")
    )
    rows = tuple(_milestone_row(line, language, tz, delivering) for line in facts.milestones)
    blocks: list[Block] = [Grid(header, rows)] if rows else []
    if rows and unconfirmed:
        years = join_list(language.value, map(str, unconfirmed))
        blocks.append(Para(tr(language, "form.calendar_unconfirmed", years=years), small=True))
    extra = [
        (BY_KEY[key].title(language), text_of(BY_KEY[key].one(facts, language, tz), tz))
        for key in AFTER_MILESTONES
    ]
    extra = [(title, value) for title, value in extra if value]
    if extra:
        blocks.append(Pairs(tuple(extra)))
    return blocks


def _size(size: int | None) -> str:
    return "" if size is None else f"{size:,}"


def _kind_words(item: EvidenceLine, language: Language) -> str:
    """An evidence type in words (图片, 文档), never a code; the MIME type if unknown."""
    if item.kind in set(EvidenceKind):
        return at_start(tr(language, f"evidence_kind.{item.kind}"))  # a cell starts with it
    return item.kind or item.mime or ""


def duplicates(evidence: Sequence[EvidenceLine]) -> dict[int, int]:
    """Each evidence item (numbered from 1) whose stored bytes equal an earlier item's (the
    same SHA-256), mapped to the number of the first item with those bytes. Every item stays
    listed: a duplicate is marked, never dropped."""
    first: dict[str, int] = {}
    same: dict[int, int] = {}
    for n, item in enumerate(evidence, 1):
        if item.sha256 is None:
            continue
        if item.sha256 in first:
            same[n] = first[item.sha256]
        else:
            first[item.sha256] = n
    return same


def numbers_words(numbers: Sequence[int], language: Language) -> str:
    """Item numbers as a person reads them: runs of three or more as ranges
    (``1–12``, ``1至12``), the rest one by one (``1、3`` or ``1, 3``); ``numbers`` ascending."""
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    words: list[str] = []
    for run in runs:
        if len(run) >= 3:
            words.append(tr(language, "form.evidence_range", first=run[0], last=run[-1]))
        else:
            words += [str(n) for n in run]
    return tr(language, "form.evidence_numbers_separator").join(words)


def evidence_blocks(
    evidence: Sequence[EvidenceLine], language: Language, tz: ZoneInfo
) -> list[Block]:
    """The evidence list (Art. 3): one row per file in the order received, a duplicate
    (:func:`duplicates`) marked beside its type; then each origin (forward, caption) said
    once for all the items that share it, and each set of duplicates said once."""
    if not evidence:
        return [Para(tr(language, "form.no_evidence"))]
    header = tuple(
        tr(language, f"form.evidence_{name}")
        for name in ("n", "name", "kind", "size", "received", "sha256")
    )
    same = duplicates(evidence)
    rows = []
    for n, item in enumerate(evidence, 1):
        note = ""
        if item.unavailable:
            note = tr(language, "form.not_kept")
        elif item.damaged:
            note = tr(language, "form.damaged")
        elif n in same:
            note = tr(language, "form.duplicate_of", n=same[n])
        rows.append(
            (
                str(n),
                item.name or "-",
                " ".join(part for part in (_kind_words(item, language), note) if part),
                _size(item.size),
                stamp(item.received_at, tz),
                item.sha256 or tr(language, "form.not_kept"),
            )
        )
    blocks: list[Block] = [Grid(header, tuple(rows))]
    # An album sent with one caption: the caption is said once, for all the items it came with.
    origins: dict[str, list[int]] = {}
    for n, item in enumerate(evidence, 1):
        origin = origin_words(item, language, tz)
        if origin:
            origins.setdefault(origin, []).append(n)
    for origin, numbers in origins.items():
        blocks.append(
            Para(
                tr(
                    language,
                    "form.evidence_origin",
                    n=numbers_words(numbers, language),
                    origin=origin,
                )
            )
        )
    same_groups: dict[int, list[int]] = {}
    for n, first in same.items():
        same_groups.setdefault(first, []).append(n)
    for first, numbers in same_groups.items():
        blocks.append(
            Para(
                tr(
                    language,
                    "form.evidence_duplicates",
                    count=len(numbers),
                    n=numbers_words(numbers, language),
                    first=first,
                )
            )
        )
    return blocks


def origin_words(item: EvidenceLine, language: Language, tz: ZoneInfo) -> str:
    """Where an evidence item came from, in words: the forward's original sender, chat and
    date, and the caption it came with; empty when there is nothing to say."""
    parts: list[str] = []
    if item.forward_sender or item.forward_chat or item.forward_sent_at:
        parts.append(
            tr(language, "form.forwarded_from", sender=item.forward_sender)
            if item.forward_sender
            else tr(language, "form.forwarded_unknown")
        )
        if item.forward_chat:
            parts.append(tr(language, "form.forwarded_chat", chat=item.forward_chat))
        if item.forward_sent_at:
            parts.append(tr(language, "form.forwarded_at", at=stamp(item.forward_sent_at, tz)))
    if item.caption:
        parts.append(tr(language, "form.caption", caption=item.caption))
    return clauses(tr(language, "form.separator"), parts)


def _amendments(facts: RecordFacts, language: Language, tz: ZoneInfo) -> list[Block]:
    """The corrections, each field by its label and each value in words (never a code)."""
    header = tuple(
        tr(language, f"form.amend_{name}") for name in ("at", "field", "change", "reason", "by")
    )
    marked = day_only_values(facts.record)
    rows = tuple(
        (
            stamp(a.at, tz),
            field_label(a.field, language),
            tr(
                language,
                "form.amend_change_text",
                old=value_words(a.field, a.old, language, tz, day_only=a.old in marked),
                new=value_words(a.field, a.new, language, tz, day_only=a.new in marked),
            ),
            a.reason,
            a.by,
        )
        for a in facts.amendments
    )
    return [Grid(header, rows)]


@dataclass(frozen=True)
class CopyMark:
    """A form copy that supersedes an earlier one (Art. 4, Art. 6): copy ``version`` of the
    record's form, replacing the one sent at ``supersedes`` (UTC), because the record was
    ``why`` (``corrected``, ``supplemented`` with evidence, or ``cosigned``: its co-signers
    answered). Printed under the title, so the paper copies in the sub-file and at the
    offices tell themselves apart."""

    version: int
    supersedes: datetime
    why: str = "corrected"


def form_document(
    facts: RecordFacts,
    *,
    language: Language,
    tz: ZoneInfo,
    court_name: str,
    printed_at: datetime,
    head_seq: int,
    head_hash: str,
    delivering: bool = False,
    copy: CopyMark | None = None,
    unconfirmed: Sequence[int] = (),
) -> Document:
    """The Art. 3 form of one record as a ``Document``.

    Sections in the order of Art. 3 (inquirer, case, channel, evidence...), then the
    Art. 6 milestones, the evidence files, the amendments, signature lines for the persons
    present, and the audit chain head (``head_seq``, ``head_hash``) printed with
    ``printed_at`` so the paper pins the history.

    ``delivering``: this is a form copy being delivered (Art. 6), sent at ``printed_at``;
    the step 报送表格复印件, when not yet done, is printed as done by this copy then.
    ``copy``: the copy supersedes an earlier one, said under the title (``CopyMark``).
    ``unconfirmed``: the years whose official holidays the deadlines were counted past
    without (``DeadlineRules.unconfirmed``), said under the milestones.
    """
    record = facts.record
    number = record.number or tr(language, "form.draft_number", id=record.id)
    blocks: list[Block] = []
    for n, (section, keys) in enumerate(SECTIONS, 1):
        blocks.append(Heading(tr(language, f"form.section.{section}", n=numeral(n, language))))
        if section == "cosigners":
            blocks += _cosigners(facts, language, tz)
        else:
            pairs = _pairs(facts, keys, language, tz)
            if section == "materials" and facts.record.channel in ORAL_CHANNELS:
                # The register's cells say no_materials; the form says it once, as a line.
                said = tr(language, "form.no_materials")
                pairs = Pairs(tuple(row for row in pairs.rows if row[1] != said))
            if pairs.rows:
                blocks.append(pairs)
            elif section == "materials" and facts.record.channel in ORAL_CHANNELS:
                blocks.append(Para(tr(language, "form.no_materials")))
            else:  # unanswered: the lines are printed blank, never left out
                blocks.append(_pairs(facts, keys[:2], language, tz, always=frozenset(keys)))
    more: list[tuple[str, list[Block]]] = [
        (
            "milestones",
            _milestones(
                facts, language, tz, printed_at if delivering else None, unconfirmed=unconfirmed
            ),
        ),
        ("evidence", evidence_blocks(facts.evidence, language, tz)),
    ]
    if facts.amendments:
        more.append(("amendments", _amendments(facts, language, tz)))
    more.append(("signatures", [_signatures(facts, language, tz)]))
    for n, (section, body) in enumerate(more, len(SECTIONS) + 1):
        blocks.append(Heading(tr(language, f"form.section.{section}", n=numeral(n, language))))
        blocks += body
    printed = stamp(printed_at, tz)
    blocks.append(
        Para(
            tr(language, "form.printed", at=printed, seq=head_seq, hash=head_hash),
            small=True,
        )
    )
    return Document(
        title=tr(language, "form.title"),
        subtitle=tr(language, "form.subtitle", court=court_name or "-", number=number)
        + (
            tr(
                language,
                f"form.copy_{copy.why}",
                version=copy.version,
                previous=stamp(copy.supersedes, tz),
            )
            if copy is not None
            else ""
        ),
        blocks=tuple(blocks),
        footer=tr(language, "common.footer", seq=head_seq, hash=head_hash, at=printed),
        meta={"author": court_name},
    )


def missing_words(missing: tuple[str, ...]) -> str:
    """The characters no font has as their placeholders, ``[U+20BB7] [U+2123C]``."""
    return " ".join(placeholder(char) for char in missing)


def form_stem(record: Record, language: Language) -> str:
    """The file name stem of a record's form: ``<form title>_<record number>``, file-safe."""
    number = record.number or tr(language, "form.draft_number", id=record.id)
    return safe_name(tr(language, "file.form", number=number))


def write_form(document: Document, out_dir: Path, stem: str) -> tuple[Path, Path]:
    """Both files of a form (in a worker thread: this is CPU work).

    The renderers (reportlab, python-docx, Pillow) are imported here, on the first form:
    the chat's side reads this module's field lists at start-up and needs none of them.
    """
    from reports.render_docx import write_docx
    from reports.render_pdf import write_pdf

    pdf = atomic_write(out_dir / f"{stem}.pdf", lambda p: write_pdf(document, p))
    docx = atomic_write(out_dir / f"{stem}.docx", lambda p: write_docx(document, p))
    return pdf, docx


async def build_form(
    session: AsyncSession,
    record_id: int,
    *,
    language: Language,
    tz: ZoneInfo,
    rules: DeadlineRules,
    out_dir: Path,
    now: datetime,
    court_name: str = "",
    delivering: bool = False,
    copy: CopyMark | None = None,
) -> FormFiles:
    """Print record ``record_id``'s form into ``out_dir``; raises ``LookupError`` if absent.

    ``delivering``: the form copy of Art. 6 being sent at ``now``; ``copy``: it supersedes
    an earlier one (``form_document``). Reads only: recording who took the copy is the
    caller's (``reports.exports``).
    """
    record = await session.get(Record, record_id)
    if record is None:
        raise LookupError(f"no record {record_id}")
    names = await load_names(session)
    (facts,) = await facts_for(session, [record], names, rules, now)
    head = await audit.head(session)
    document = form_document(
        facts,
        language=language,
        tz=tz,
        court_name=court_name,
        printed_at=now,
        head_seq=head.seq,
        head_hash=head.hash,
        delivering=delivering,
        copy=copy,
        unconfirmed=sorted(
            {y for line in facts.milestones for y in rules.unconfirmed(line.deadline)}
        ),
    )
    pdf, docx = await asyncio.to_thread(write_form, document, out_dir, form_stem(record, language))
    missing = tuple(fonts().missing(texts(document)))
    return FormFiles(pdf, docx, head.seq, head.hash, missing)
