"""A report already taken no longer matches: whoever took it is told what changed (Art. 7).

A quarter's report (or its draft, which the compiler's quarter-end reminder carries) is made
once the quarter has ended and sent upward within five days. A record registered late, a
correction, or a draft withdrawn after that changes the period's figures: the report in the
compiler's hands is then out of date, and nobody would know. So, after every message that
changed a record, each change (an audit event ``submitted``, ``amended`` or ``withdrawn``)
is set against the reports taken in the chat (``report_exported`` events with the person who
took them): every person whose latest copy of a period was made after that period ended and
before the change, and whose period holds the record's day of receipt (for a correction of
the receipt time, the day before or after it), is told once, in their language, which of
their periods changed, what changed (the record, its receipt, the correction old → new as
/record shows it, or the withdrawal's reason), and the command that makes the report again.
Each telling is a ``report_outdated`` audit event naming the changes it covers (so each is
told once) and who was told about which periods.

A report of a period still running says so on its face (``reports.tables.headline``): records
arriving in it are expected, and nobody is told of them. A report taken on the command line
(``guowen report``, its event naming no person) is the compilers' (Art. 11: the trial
management office compiles the quarter's summary): every active holder of the ``compiler``
role, or of ``trial_management`` when nobody holds it, is told of it as of a copy of their
own, with the command line that makes it again.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select

from handlers import card, notify
from handlers.engine import Context
from handlers.i18n import join
from reminders.quarters import Quarter
from reports.facts import Names, load_names
from reports.period import Period
from storage import audit
from storage import records as records_repo
from storage.audit import AuditKind
from storage.models import AuditEvent, Record, RecordAmendment, Staff
from storage.vocabulary import RecordStatus, Role

CHANGES: tuple[AuditKind, ...] = (AuditKind.SUBMITTED, AuditKind.AMENDED, AuditKind.WITHDRAWN)
"""The audit events of a record that change a period's figures once the record is in them."""


@dataclass(frozen=True)
class Taken:
    """One report taken: the audit event's ``seq`` and time, who holds it, its period
    (``label`` as ``/report`` reads it back), and whether it was taken on the command line
    (``cli``: then ``staff_id`` is a compiler's, see the module)."""

    seq: int
    at: datetime
    staff_id: int
    period: Period
    cli: bool = False


@dataclass
class Change:
    """One change of a record (an audit event of ``CHANGES``) and the days of receipt it
    touches (court-local dates)."""

    seq: int
    at: datetime
    kind: str
    payload: dict[str, Any]
    days: set[date] = field(default_factory=set)


def _period(subject: str, payload: dict[str, Any]) -> Period | None:
    label = subject.removeprefix("period:")
    quarter = Quarter.parse(label)
    if quarter is not None:
        return Period.of_quarter(quarter)
    try:
        return Period(date.fromisoformat(payload["first"]), date.fromisoformat(payload["last"]))
    except (KeyError, TypeError, ValueError):
        return None


async def _compilers(ctx: Context) -> list[int]:
    """Who holds a report taken on the command line: the active compilers, or the trial
    management office's staff when nobody holds ``compiler``."""
    people = await notify.with_roles(ctx, Role.COMPILER)
    if not people:
        people = await notify.with_roles(ctx, Role.TRIAL_MANAGEMENT)
    return [person.id for person in people]


async def taken(ctx: Context) -> list[Taken]:
    """Every report (not a form) taken, oldest first: in the chat, by the person who took
    it; on the command line, once for each compiler (``_compilers``)."""
    rows = await ctx.session.execute(
        select(AuditEvent.seq, AuditEvent.at, AuditEvent.actor_staff_id, AuditEvent.subject,
               AuditEvent.payload)
        .where(AuditEvent.kind == AuditKind.REPORT_EXPORTED.value)
        .order_by(AuditEvent.seq)
    )  # fmt: skip
    found: list[Taken] = []
    compilers: list[int] | None = None
    for seq, at, staff_id, subject, raw in rows:
        payload = json.loads(raw)
        if payload.get("what") != "report" or not subject:
            continue
        period = _period(subject, payload)
        if period is None:
            continue
        if staff_id is not None:
            found.append(Taken(seq, _aware(at), staff_id, period))
        elif payload.get("via") == "cli":
            if compilers is None:
                compilers = await _compilers(ctx)
            found += [Taken(seq, _aware(at), c, period, cli=True) for c in compilers]
    return found


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _day(ctx: Context, value: object) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return ctx.local(_aware(moment)).date()


def _stored_day(ctx: Context, raw: object) -> date | None:
    try:
        return _day(ctx, json.loads(raw)) if isinstance(raw, str) else None
    except ValueError:
        return None


async def _changes(ctx: Context, record: Record) -> list[Change]:
    """The record's changes not yet told (``report_outdated`` events name those told)."""
    events = await audit.record_events(ctx.session, record.id, *CHANGES, AuditKind.REPORT_OUTDATED)
    told: set[int] = set()
    found: list[Change] = []
    for event in events:
        if event.kind == AuditKind.REPORT_OUTDATED:
            told.update(int(s) for s in event.payload.get("changes", []))
        else:
            found.append(Change(event.seq, _aware(event.at), event.kind.value, event.payload))
    now_day = ctx.local(record.received_at).date() if record.received_at else None
    for change in found:
        if change.kind == AuditKind.SUBMITTED.value:
            day = _day(ctx, change.payload.get("received_at"))
            change.days = {day} if day else set()
        elif change.kind == AuditKind.WITHDRAWN.value:
            day = _day(ctx, (change.payload.get("snapshot") or {}).get("received_at"))
            change.days = {day} if day else set()
        elif change.payload.get("field") == "received_at":
            days = (_stored_day(ctx, change.payload.get(k)) for k in ("old", "new"))
            change.days = {d for d in days if d is not None}
        elif now_day is not None:
            change.days = {now_day}
    return [c for c in found if c.seq not in told and c.days]


def _owed(change: Change, reports: Iterable[Taken], tz: Any) -> list[Taken]:
    """Of each person's latest copy of each period (``reports``), those ``change`` makes
    out of date: made after their period ended and before the change, holding a day of it."""
    return [
        r
        for r in reports
        if r.seq < change.seq
        and r.at >= r.period.end(tz)
        and any(r.period.first <= d <= r.period.last for d in change.days)
    ]


def _latest(reports: Sequence[Taken]) -> list[Taken]:
    """Each person's latest copy of each period, in the chat and on the command line."""
    latest: dict[tuple[int, Period, bool], Taken] = {}
    for report in reports:
        latest[(report.staff_id, report.period, report.cli)] = report
    return list(latest.values())


def _period_words(ctx: Context, period: Period) -> str:
    if period.quarter is not None:
        name = ctx.t(f"report.q{period.quarter.number}")
        return ctx.t("report.period_quarter", year=period.quarter.year, name=name)
    return ctx.t(
        "report.period_range", first=period.first.isoformat(), last=period.last.isoformat()
    )


def _command(report: Taken) -> str:
    """The command that makes ``report`` again where it was taken: ``/report`` in the chat,
    ``guowen report`` on the command line (``bot.report_cli``)."""
    period = report.period
    words = (
        period.quarter.label
        if period.quarter is not None
        else (f"{period.first.isoformat()} {period.last.isoformat()}")
    )
    return f"guowen report {words}" if report.cli else f"/report {words}"


def _change_line(ctx: Context, record: Record, change: Change, names: Names) -> str:
    title = card.title(ctx, record)
    if change.kind == AuditKind.SUBMITTED.value:
        return ctx.t(
            "outdated.submitted",
            title=title,
            at=card.stamp(ctx, change.at),
            received=card.stamp(ctx, record.received_at),
            handler=names.person(record.handler_id),
        )
    if change.kind == AuditKind.WITHDRAWN.value:
        return ctx.t(
            "outdated.withdrawn",
            title=title,
            at=card.stamp(ctx, change.at),
            reason=change.payload.get("reason") or ctx.t("card.missing"),
        )
    amendment = RecordAmendment(
        field=str(change.payload.get("field", "")),
        old_value=str(change.payload.get("old", "")),
        new_value=str(change.payload.get("new", "")),
        reason=str(change.payload.get("reason", "")),
        at=change.at,
    )
    return ctx.t(
        "outdated.amended", title=title, line=card.amendment_line(ctx, amendment, record, names)
    )


async def tell_outdated(ctx: Context, record: Record) -> None:
    """Tell whoever holds a report ``record``'s untold changes made out of date (see the
    module), once per change, and append one ``report_outdated`` audit event."""
    if record.status == RecordStatus.DRAFT:
        return  # a draft changes no report until it is submitted or withdrawn
    changes = await _changes(ctx, record)
    if not changes:
        return
    latest = _latest(await taken(ctx))
    tz = ctx.services.tz
    owed: dict[int, dict[tuple[Period, bool], Taken]] = {}
    about: dict[int, list[Change]] = {}
    for change in changes:
        for report in _owed(change, latest, tz):
            owed.setdefault(report.staff_id, {})[(report.period, report.cli)] = report
            if change not in about.setdefault(report.staff_id, []):
                about[report.staff_id].append(change)
    if not owed:
        return
    names = await load_names(ctx.session)
    told: list[dict[str, Any]] = []
    for staff_id, periods in owed.items():
        person = await ctx.session.get(Staff, staff_id)
        if person is None or not person.active:
            continue
        ctx.speaking = notify.language_of(ctx, person)
        try:
            ordered = sorted(periods.values(), key=lambda r: (r.period.first, r.period.last, r.cli))
            values = {
                "periods": join(
                    ctx.language,
                    (
                        ctx.t(
                            "outdated.period_cli" if r.cli else "outdated.period",
                            period=_period_words(ctx, r.period),
                            at=card.stamp(ctx, r.at),
                        )
                        for r in ordered
                    ),
                ),
                "changes": "\n".join(_change_line(ctx, record, c, names) for c in about[staff_id]),
                "commands": join(ctx.language, (_command(r) for r in ordered)),
            }
        finally:
            ctx.speaking = None
        await notify.tell(ctx, [person], "outdated.told", values)
        told.append(
            {
                "to": staff_id,
                "periods": [r.period.label for r in ordered],
                "reports": [r.seq for r in ordered],
                "changes": [c.seq for c in about[staff_id]],
            }
        )
    if not told:
        return
    await audit.append(
        ctx.session,
        AuditKind.REPORT_OUTDATED,
        at=ctx.now,
        actor_staff_id=ctx.staff.id,
        actor=ctx.staff.name,
        subject=f"record:{record.id}",
        payload={"changes": sorted({s for t in told for s in t["changes"]}), "told": told},
    )


async def follow_touched(ctx: Context) -> None:
    """After any message: ``tell_outdated`` for each record it changed."""
    for record in records_repo.touched_records(ctx.session).values():
        await tell_outdated(ctx, record)
