"""Deadlines of a record and of a quarter, from the court's rules and calendar."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from reminders.calendar import MAX_HOLIDAY_DAYS, ChinaCalendar, Counting
from storage.models import Record, stored_field
from storage.vocabulary import Milestone, RecordKind, RecordStatus

OPENED_BY = "opened_by"
"""``Record.fields`` key: what reached the judge and opened the draft (an ``Opener``)."""
BARE = "new"
"""The opener of a draft opened by a bare /new: no material reached the bot with it."""


def clock_started(record: Record) -> bool:
    """Whether ``record``'s Art. 6 periods run: once it is submitted, once the judge gave or
    confirmed its receipt time (``received_confirmed``), or from the start when the draft was
    opened by material forwarded to the bot (a screenshot, a letter's photo, a voice, a
    forwarded text: ``OPENED_BY``): the inquiry had reached the judge by then, and its
    receipt time is the one the intake proposes until the judge corrects it, so leaving the
    first card unanswered escapes no deadline. A draft opened by a bare /new, before its time
    is given, is the judge's unfinished work, not a received inquiry: it owes no step, so no
    reminder of a step, no overseer's notice, no /overdue row and no 逾期未办 arise from it."""
    if record.status == RecordStatus.SUBMITTED or record.received_confirmed:
        return True
    opened = opener(record)
    return opened is not None and opened != BARE


def opener(record: Record) -> str | None:
    """What opened ``record``'s draft (``OPENED_BY``, an ``handlers.fields.Opener`` value),
    from a record's ``fields`` or a report's row alike (``storage.models.stored_field``);
    None for a record that never said."""
    value = stored_field(record, OPENED_BY)
    return None if value is None else str(value)


@dataclass(frozen=True)
class DeadlineRules:
    """Art. 6 and 7 periods, and how days are counted."""

    counting: Counting = Counting.CALENDAR
    register_days: int = 2
    report_days: int = 3
    cosign_days: int = 2
    quarterly_days: int = 5
    calendar: ChinaCalendar = field(default_factory=lambda: ChinaCalendar({}))

    def after(self, received: datetime, days: int) -> datetime:
        """The moment a period of ``days`` from ``received`` ends (24:00 of the last day)."""
        return self.calendar.deadline(received, days, self.counting)

    def unconfirmed(self, deadline: datetime) -> tuple[int, ...]:
        """The years, ascending, whose official holidays are not loaded among the days that
        computing ``deadline`` (an instant from ``after``, ``for_record`` or ``quarter``: 24:00
        of its last day) may have looked at; empty when the deadline stands whatever those
        schedules say. The one decision behind every caveat shown with a deadline (the card,
        the reminders, /overdue, the form).

        Every period looks at its own last day and at most at the days back to its start,
        which lie within ``reach`` of it; a year from there to the last day that is counted
        on weekends and statutory holidays only (``ChinaCalendar.unconfirmed_years``) may move
        the deadline once the State Council's schedule for it is loaded. Raises ``ValueError``
        for a naive ``deadline``.
        """
        if deadline.tzinfo is None or deadline.utcoffset() is None:
            raise ValueError(deadline.isoformat())
        last = (deadline.astimezone(self.calendar.tz) - timedelta(microseconds=1)).date()
        return self.calendar.unconfirmed_years(last - self.reach, last)

    @property
    def reach(self) -> timedelta:
        """How far before its last day a period of these rules can start: its days, or its
        working days at most five in seven, plus the longest runs of days off between them (a
        holiday of up to ``MAX_HOLIDAY_DAYS`` bridged by weekends). Generous on purpose: a
        longer reach only adds a caveat, a shorter one could drop one that is due."""
        longest = max(self.register_days, self.report_days, self.cosign_days, self.quarterly_days)
        return timedelta(days=2 * longest + 2 * (MAX_HOLIDAY_DAYS + 4))

    def for_record(
        self, record: Record, *, submitted_at: datetime | None = None
    ) -> dict[Milestone, datetime]:
        """Each milestone's deadline; Art. 5 records skip the platform milestone only.

        The staff present's co-signature (Art. 3) counts from the submission; for a draft,
        from ``submitted_at`` when given (the review card: as if submitted now, so it shows
        what submitting gives), else from the receipt.

        Art. 5 lets a commissioned reference opinion stay out of the platform (可以不录入平台)
        and lifts nothing else: the form and its copy to discipline inspection and trial
        management (Art. 6) stay owed, as DESIGN.md §2 has it ("skips the platform steps").
        The reminders (``planner.unmet``), /overdue and the reports all read this one dict.
        """
        register = self.after(record.received_at, self.register_days)
        deadlines = {
            Milestone.REGISTERED: register,
            Milestone.FORM_DELIVERED: self.after(record.received_at, self.report_days),
        }
        if record.kind != RecordKind.REFERENCE_OPINION:
            deadlines[Milestone.PLATFORM_ENTERED] = register
        if record.cosigners:
            start = record.submitted_at or submitted_at or record.received_at
            deadlines[Milestone.COSIGNED] = self.after(start, self.cosign_days)
        return deadlines

    def quarter(self, year: int, quarter: int) -> datetime:
        """The deadline of the quarterly report of ``quarter`` (1-4) of ``year``:
        ``quarterly_days`` after the quarter ends, counted as ``counting`` says (Art. 7).
        """
        return self.calendar.quarter_report_deadline(
            year, quarter, self.quarterly_days, self.counting
        )
