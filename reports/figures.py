"""The quarter's figures, gathered in one pass over its records.

Counted: submitted records of an outside leading cadre (``external``), received in the period.
Commissioned reference opinions (Art. 5) are counted apart and kept out of the breakdowns,
since they are not interference; both kinds owe the Art. 6 milestones, so both are in the
timeliness figures. Drafts and withdrawn drafts are counted apart (Art. 10 makes an abandoned
record a disciplinary matter), and their steps past deadline are in the timeliness figures as
missed (``reports.facts.timeliness_lines``); inquiries by the court's own staff (Art. 14) are
not here at all.

``Timeliness`` is the one source of the per-person figures: the report fills it through
``Figures``, ``/compliance`` through ``timeliness_of``. Each step counts against the person
who owes it (``reminders.owers.owed_by``): the handler's steps against the handler and the
record's department; each co-signer's signature (签字确认, Art. 3) against that co-signer, by
their own answer, and their own department (a person present who is not in the bot, named
by name, against the record's department, the one whose inquiry they attended). A record's
department is the one that held it when the step was settled (``settled_at``: a breach at
its deadline), read from its corrections (``storage.moves``): a breach that arose under a
department stays that department's when 承办部门 is corrected later, and a past quarter's
figures do not move with it. The records counted per department (``by_department``) are by
the department each is in now. The per-milestone totals count each record's step once, as
its form shows it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from reminders.deadlines import DeadlineRules
from reminders.owers import Ower, owed_by
from reports.facts import (
    MILESTONE_ORDER,
    DeadlineKey,
    MilestoneLine,
    Names,
    RecordFacts,
    State,
    timeliness_lines,
)
from reports.period import Period
from storage.models import Record
from storage.moves import DepartmentHistory, department_at
from storage.vocabulary import (
    NETWORK_CHANNELS,
    ORAL_CHANNELS,
    Channel,
    CosignStatus,
    Intermediary,
    MaterialRoute,
    Milestone,
    RecordKind,
    RecordStatus,
)

# Channels Art. 6 lets reach the handler directly (mail, SMS, Weibo, WeChat, e-mail), and
# oral inquiries, which bring no materials: a direct route on these is no breach.
DIRECT_ALLOWED = NETWORK_CHANNELS | ORAL_CHANNELS | {Channel.MAIL}

# The kinds a submitted record is counted as (Art. 2, Art. 5); an internal one (Art. 14) never.
COUNTED_KINDS = frozenset({RecordKind.EXTERNAL, RecordKind.REFERENCE_OPINION})

# How many Art. 7 records the summary document lists (the workbook lists all of them).
ART7_KEEP = 300


@dataclass
class Tally:
    """Counts of one milestone's states: on time, late, missed, disputed (签字确认 only: a
    staff member present disputes the record, Art. 3), not yet due."""

    on_time: int = 0
    late: int = 0
    missed: int = 0
    pending: int = 0
    disputed: int = 0

    def add(self, state: State) -> None:
        """Count one milestone in ``state``."""
        if state is State.ON_TIME:
            self.on_time += 1
        elif state is State.LATE:
            self.late += 1
        elif state is State.MISSED:
            self.missed += 1
        elif state is State.DISPUTED:
            self.disputed += 1
        else:
            self.pending += 1

    @property
    def due(self) -> int:
        """Milestones whose time has come: met (in time or late), missed, or answered with a
        dispute (an answer, so its time has come, but never on time)."""
        return self.on_time + self.late + self.missed + self.disputed

    @property
    def share(self) -> float | None:
        """The on-time share of what was due; None when nothing was."""
        return self.on_time / self.due if self.due else None


Person = int | str
"""A person in the figures: a staff id, or the typed name of a person present who is not in
the bot (``reminders.owers.Ower.key``)."""


def own_state(line: MilestoneLine, ower: Ower, now: datetime | None) -> State:
    """How ``line``'s step stands for ``ower``, one who owes it: the step's own state for the
    handler; for a co-signer (签字确认, Art. 3) their own answer: confirmed before the
    deadline on time, after it late, a dispute disputed, no answer missed once the deadline
    passed (at ``now``; None: as the step stands, or not yet due beside a dispute)."""
    cosigner = ower.cosigner
    if cosigner is None:
        return line.state
    if cosigner.status == CosignStatus.DISPUTED:
        return State.DISPUTED
    if cosigner.status == CosignStatus.CONFIRMED:
        at = cosigner.responded_at
        return State.LATE if at is not None and at >= line.deadline else State.ON_TIME
    if line.state in (State.MISSED, State.PENDING):
        return line.state
    return State.MISSED if now is not None and line.deadline <= now else State.PENDING


def settled_at(line: MilestoneLine, state: State) -> datetime | None:
    """The moment ``line``'s step in ``state`` was settled, whose department it counts in
    (Art. 10: a breach stays with the department it arose under): a breach (late, missed,
    disputed) at its deadline, when it arose; a step met on time when it was met; one not yet
    due None, the record's department now."""
    if state is State.PENDING:
        return None
    if state is State.ON_TIME and line.met is not None:
        return line.met
    return line.deadline


def tallies() -> dict[Milestone, Tally]:
    """A fresh ``Tally`` for each milestone, in ``MILESTONE_ORDER``."""
    return {milestone: Tally() for milestone in MILESTONE_ORDER}


def on_art7_list(record: Record) -> bool:
    """Whether ``record`` belongs on Art. 7's list (to report upward, or at once): it is
    flagged a same-level main leader's inquiry (``main_leader``) or a serious case
    (``serious``), and it is neither withdrawn, nor an Art. 14 inquiry by the court's own
    staff, nor an Art. 5 reference opinion. An open draft belongs on it as much as a
    submitted record: its alert told discipline, trial management and the leaders it is on
    the list, and a handler who never submits it must not make it vanish from the report
    (Art. 10). The one decision the alerts' words (``handlers.alerts``), the workbook, the
    summary document, the picture and the compiler's reminder follow."""
    if not (record.main_leader or record.serious):
        return False
    if record.status == RecordStatus.WITHDRAWN:
        return False
    return record.kind not in (RecordKind.INTERNAL, RecordKind.REFERENCE_OPINION)


@dataclass(frozen=True)
class Art7Row:
    """A record to report upward (main leader of the same-level Party or political-legal
    committee) or at once (serious case); an open draft's row is marked as one (``draft``)."""

    facts: RecordFacts
    main_leader: bool
    serious: bool

    @property
    def draft(self) -> bool:
        """Whether the row is an open draft, listed unsubmitted (``on_art7_list``)."""
        return self.facts.record.status != RecordStatus.SUBMITTED


@dataclass(frozen=True)
class LateRow:
    """A record received in an earlier period but registered (submitted) in this one: not
    counted in this period's figures (they count by receipt time), and too late for the
    earlier period's report, so listed in this one (Art. 6, Art. 7). Times are UTC."""

    number: str
    received_at: datetime
    submitted_at: datetime
    inquirer: str
    unit: str
    department: str
    registered_late: bool = False
    """Whether its registration (the Art. 6 form filled) was done after its deadline, by the
    decision the reminders' notices read (``reminders.planner.done_late``): received late in
    a quarter, a record may well be registered on time early in the next."""
    steps: tuple[MilestoneLine, ...] = ()
    """Its Art. 6 steps as they stand when the report is made
    (``reports.facts.timeliness_lines``): the report of its receipt quarter, due before it
    was registered, could show none of them, so a step still owed past its deadline
    (missed) or met late is shown here, where the compiler sees it (Art. 6, Art. 10)."""

    def state(self, milestone: Milestone) -> State | None:
        """How ``milestone`` stands (``steps``); None when the record does not owe it (an
        Art. 5 opinion is not entered into the platform; only an oral inquiry with staff
        present is co-signed). Registration by ``registered_late``, as the reminders said."""
        if milestone is Milestone.REGISTERED:
            return State.LATE if self.registered_late else State.ON_TIME
        return next((line.state for line in self.steps if line.milestone is milestone), None)

    def due_in(self, start: datetime, end: datetime) -> bool:
        """Whether a step whose deadline falls in ``[start, end)`` was met late or is still
        owed past it (``steps``)."""
        return any(
            start <= line.deadline < end and line.state in (State.LATE, State.MISSED)
            for line in self.steps
        )

    def overdue(self) -> list[tuple[Milestone, State]]:
        """Its steps met late or still owed past their deadline, in ``MILESTONE_ORDER``."""
        found = [(m, self.state(m)) for m in MILESTONE_ORDER]
        return [(m, s) for m, s in found if s in (State.LATE, State.MISSED)]


def in_figures(record: Record) -> bool:
    """Whether the figures count ``record``: a submitted record of an outside cadre or an
    Art. 5 opinion, or a draft (open or withdrawn) that is not an Art. 14 inquiry."""
    if record.kind == RecordKind.INTERNAL:
        return False
    return record.status != RecordStatus.SUBMITTED or record.kind in COUNTED_KINDS


@dataclass(frozen=True)
class HandlerFigures:
    """One person's figures (Art. 10): submitted ``records`` they handle; the steps they owe
    (``reminders.owers.owed_by``: a handler's Art. 6 steps, a co-signer's own signature) met
    ``late`` and ``missed`` (due, not met; drafts' steps included), over all milestones;
    ``disputed``: co-signatures they answered with a dispute (签字确认 only, Art. 3: never on
    time, the report's 有异议 column, ``Tally.disputed``); ``drafts`` still open and
    ``withdrawn``, counted apart. A co-signer who handles nothing counted has no records,
    drafts or withdrawn drafts."""

    records: int
    late: int
    missed: int
    drafts: int
    withdrawn: int
    disputed: int = 0


@dataclass(kw_only=True)
class Timeliness:
    """The Art. 6 timeliness figures per milestone, department and handler, with drafts and
    withdrawn drafts counted apart per handler (Art. 10), filled by ``count``.

    The report's figures (``Figures``) and ``/compliance`` both are one of these, filled from
    ``reports.facts.timeliness_lines``: the same records give the same numbers. The
    per-department and per-person tallies count each step against whoever owes it
    (``reminders.owers.owed_by``, ``own_state``); ``milestones`` counts each record's step once.
    """

    homes: dict[int, int | None] = field(default_factory=dict)
    """Each staff member's department id: a co-signer's steps count in their own."""
    now: datetime | None = None
    """When the figures are taken (``own_state``)."""
    moves: Mapping[int, DepartmentHistory] = field(default_factory=dict)
    """The department history of each record whose department in charge changed
    (``storage.moves.department_moves``), by record id: its steps count in the department
    that held it when they were settled (``settled_at``), not the one it is in now."""

    drafts: int = 0
    withdrawn: int = 0
    lapsed_drafts: int = 0
    """Drafts (open or withdrawn) with a step counted missed: unrecorded past a deadline."""
    lapsed_steps: int = 0
    """The missed steps of ``lapsed_drafts``, within ``milestones``' missed."""
    milestones: dict[Milestone, Tally] = field(default_factory=tallies)
    department_milestones: defaultdict[int | None, dict[Milestone, Tally]] = field(
        default_factory=lambda: defaultdict(tallies)
    )
    handler_milestones: defaultdict[Person, dict[Milestone, Tally]] = field(
        default_factory=lambda: defaultdict(tallies)
    )
    handler_records: Counter[Person] = field(default_factory=Counter)
    handler_department: dict[Person, int | None] = field(default_factory=dict)
    handler_drafts: Counter[Person] = field(default_factory=Counter)
    handler_withdrawn: Counter[Person] = field(default_factory=Counter)

    def count(self, record: Record, lines: Iterable[MilestoneLine]) -> None:
        """Count ``record`` (one that ``in_figures`` accepts) with its ``lines``
        (``reports.facts.timeliness_lines``): a submitted record, an open draft or a
        withdrawn one, per handler; its steps per milestone, department and handler."""
        handler_id = record.handler_id
        self.handler_department.setdefault(handler_id, self._home(handler_id, record))
        if record.status == RecordStatus.SUBMITTED:
            self.handler_records[handler_id] += 1
        elif record.status == RecordStatus.WITHDRAWN:
            self.withdrawn += 1
            self.handler_withdrawn[handler_id] += 1
        else:
            self.drafts += 1
            self.handler_drafts[handler_id] += 1
        missed = 0
        everyone = self.milestones
        # Who owes a step (``owed_by``) is asked once for the handler's steps and once for
        # the co-signature: a report counts tens of thousands of records.
        own = owed_by(record, Milestone.REGISTERED)
        signers: tuple[Ower, ...] | None = None
        department: dict[Milestone, Tally] | None = None  # the record's, once it has a step
        mine: dict[Milestone, Tally] = {}
        history = self.moves.get(record.id) if self.moves else None
        for line in lines:
            milestone, state = line.milestone, line.state
            everyone[milestone].add(state)
            missed += state is State.MISSED
            if milestone is Milestone.COSIGNED:
                if signers is None:
                    signers = owed_by(record, milestone)
                owers = signers
            else:
                owers = own
            if owers is own and len(own) == 1 and own[0].staff_id == handler_id:
                if history is not None:  # moved: each step where it was when settled
                    held = department_at(history, record.department_id, settled_at(line, state))
                    self.department_milestones[held][milestone].add(state)
                    self.handler_milestones[handler_id][milestone].add(state)
                    continue
                if department is None:  # a record with no step adds no department or handler
                    department = self.department_milestones[record.department_id]
                    mine = self.handler_milestones[handler_id]
                department[milestone].add(state)
                mine[milestone].add(state)
                continue
            for ower in owers:
                self._count_ower(record, line, ower)
        if missed and record.status != RecordStatus.SUBMITTED:
            self.lapsed_drafts += 1
            self.lapsed_steps += missed

    def _count_ower(self, record: Record, line: MilestoneLine, ower: Ower) -> None:
        """Count ``line``'s step against ``ower`` (``own_state``) and their department: a
        staff member's own (``homes``), else the record's when the step was settled
        (``moves``, ``settled_at``)."""
        person = ower.key
        self.handler_department.setdefault(person, self._home(ower.staff_id, record))
        own = own_state(line, ower, self.now)
        if ower.staff_id is None or ower.staff_id == record.handler_id:
            history = self.moves.get(record.id)
            home = record.department_id
            if history is not None:
                home = department_at(history, home, settled_at(line, own))
        else:
            home = self.homes.get(ower.staff_id, record.department_id)
        self.department_milestones[home][line.milestone].add(own)
        self.handler_milestones[person][line.milestone].add(own)

    def _home(self, staff_id: int | None, record: Record) -> int | None:
        """The department a person is listed under: a staff member's own (``homes``), never
        the department of whichever of their records is counted first (a record's 承办部门
        may have been corrected to another); a person not in the bot, the record's."""
        if staff_id is None:
            return record.department_id
        return self.homes.get(staff_id, record.department_id)

    @property
    def handlers(self) -> set[Person]:
        """Every person counted: a handler with a record, a draft or a withdrawn draft, and
        a co-signer who owes a signature."""
        return set(self.handler_department)

    def handles(self, person: Person) -> bool:
        """Whether ``person`` handles a counted record, draft or withdrawn draft (else they
        are counted as a co-signer only)."""
        return bool(
            self.handler_records[person]
            or self.handler_drafts[person]
            or self.handler_withdrawn[person]
        )

    def handler(self, handler_id: Person) -> HandlerFigures:
        """``handler_id``'s figures (all zero for a person with nothing counted)."""
        steps = self.handler_milestones.get(handler_id, {}).values()
        return HandlerFigures(
            records=self.handler_records[handler_id],
            late=sum(tally.late for tally in steps),
            missed=sum(tally.missed for tally in steps),
            drafts=self.handler_drafts[handler_id],
            withdrawn=self.handler_withdrawn[handler_id],
            disputed=sum(tally.disputed for tally in steps),
        )

    def totals(self) -> Tally:
        """The milestones' tallies summed over all milestones."""
        total = Tally()
        for tally in self.milestones.values():
            total.on_time += tally.on_time
            total.late += tally.late
            total.missed += tally.missed
            total.pending += tally.pending
            total.disputed += tally.disputed
        return total


def timeliness_of(
    records: Iterable[Record],
    rules: DeadlineRules,
    now: datetime,
    homes: dict[int, int | None] | None = None,
) -> Timeliness:
    """The timeliness figures of ``records`` at ``now``: those ``in_figures`` accepts, each
    through ``reports.facts.timeliness_lines`` (what ``/compliance`` shows, Art. 10);
    ``homes``: each staff member's department id (``Timeliness.homes``)."""
    figures = Timeliness(homes=homes or {}, now=now)
    known: dict[DeadlineKey, dict[Milestone, datetime]] = {}
    for record in records:
        if in_figures(record):
            figures.count(record, timeliness_lines(record, rules, now, known))
    return figures


@dataclass
class Figures(Timeliness):
    """The period's figures for the Art. 7 summary, filled by ``add`` and ``add_unsubmitted``.

    Counts by kind, unit category (Art. 13), channel, department, Art. 9 item and month;
    the Art. 7 rows to report upward or at once; the Art. 6 timeliness per milestone,
    department and handler (``Timeliness``: drafts' steps past deadline missed, drafts and
    withdrawn drafts apart, Art. 10). ``direct_route`` counts every record whose materials
    reached the handler directly; ``unregistered`` only those Art. 6 makes a breach (written
    materials handed over, not mailed or sent by SMS, WeChat, Weibo or e-mail, which may
    reach the handler directly).
    """

    period: Period
    names: Names
    external: int = 0
    reference: int = 0
    retired: int = 0
    intermediated: int = 0
    direct_route: int = 0
    unregistered: int = 0
    with_art9: int = 0
    main_leader: int = 0
    serious: int = 0
    art7_total: int = 0
    art7_drafts: int = 0
    """Open drafts among ``art7_total`` (``on_art7_list``), counted in ``main_leader`` and
    ``serious`` as well: not yet submitted, so in no other figure of the kind."""
    main_leader_drafts: int = 0
    """Open drafts among ``main_leader``: every place that gives that count says how many
    of it are drafts, in the same sentence or row (a count beside 0 external records)."""
    serious_drafts: int = 0
    """Open drafts among ``serious``, said with it as ``main_leader_drafts`` are."""
    by_category: Counter[str] = field(default_factory=Counter)
    by_channel: Counter[str] = field(default_factory=Counter)
    by_department: Counter[int | None] = field(default_factory=Counter)
    by_art9: Counter[int] = field(default_factory=Counter)
    by_month: Counter[tuple[int, int]] = field(default_factory=Counter)
    art7: list[Art7Row] = field(default_factory=list)
    previous_external: int | None = None
    """External inquiries counted in ``period.previous()``; None when not compared."""
    previous_unrecorded: bool = False
    """The previous period lies wholly or partly before the court's records begin
    (``reports.period.records_begin``): there is nothing to compare with, and every place
    that would compare says so (``report.change_unrecorded``), never a zero."""
    previous_since: date | None = None
    """With ``previous_unrecorded``, the court's first day in this system (court time) when
    it falls inside the previous period and that period holds records: the previous period
    was registered here only from that day, and is not compared for that reason
    (``reports.tables.no_comparison``); None when nothing of it was registered here."""
    previous_late: int = 0
    """With ``previous_unrecorded``, when the court began to use the system
    (``reports.period.in_use_since``, ``previous_late_since``) only after the previous period
    ended, its records counted now (external and Art. 5): each one registered late, after
    that period, so the previous period is not compared, and every place that would compare
    says why (``reports.tables.no_comparison``), never that nothing of it was registered;
    0 otherwise."""
    previous_late_since: date | None = None
    """With ``previous_late``, the day (court time) the court began to use the system."""
    since: date | None = None
    """The court's first day in this system (court time, ``reports.period.records_begin``)
    when it falls in a month after the period's first: the period's months before its month
    were not registered here, and print as such (``report.month_unrecorded``), never as 0.
    None when the records begin in the period's first month or before."""
    running_at: str = ""
    """When the period had not ended as the figures were counted, that moment in court time
    (``YYYY-MM-DD HH:MM``, ``now_stamp``); empty for an ended period. A period still running
    is never compared with a whole previous one: every place that would compare says so
    (``report.change_running``) and states no rise or fall."""
    late_registered: list[LateRow] = field(default_factory=list)
    """Records received before the period and submitted in it (``LateRow``), oldest first."""
    due_earlier: list[LateRow] = field(default_factory=list)
    """Records received and submitted before the period with a step whose deadline fell in
    it, met late or still owed when the report is made (``LateRow.due_in``), oldest first:
    their own quarter's report, made once that quarter ended, may have shown the step not
    yet due, and this one counts by receipt time, so they are listed apart."""

    def __post_init__(self) -> None:
        if not self.homes:
            self.homes = self.names.homes

    @property
    def counted(self) -> int:
        """Records counted in the period: external inquiries plus Art. 5 reference opinions."""
        return self.external + self.reference

    @property
    def empty(self) -> bool:
        """True when the period has no counted record (drafts may still exist)."""
        return self.counted == 0

    def add(self, facts: RecordFacts, tz: ZoneInfo) -> Art7Row | None:
        """Count one submitted record; returns its Art. 7 row when it has one."""
        record = facts.record
        self.count(record, facts.milestones)
        if record.kind == RecordKind.REFERENCE_OPINION:
            self.reference += 1
            return None
        self.external += 1
        self.by_category[record.unit_category or ""] += 1
        self.by_channel[record.channel or ""] += 1
        self.by_department[record.department_id] += 1
        local = record.received_at.astimezone(tz)
        self.by_month[(local.year, local.month)] += 1
        self.retired += bool(record.retired)
        self.intermediated += record.intermediary in (Intermediary.STAFF, Intermediary.RELATIVE)
        self.direct_route += (
            record.material_route == MaterialRoute.DIRECT and record.channel not in ORAL_CHANNELS
        )
        self.unregistered += (
            record.material_route == MaterialRoute.DIRECT and record.channel not in DIRECT_ALLOWED
        )
        items = set(record.art9_items or ())
        self.with_art9 += bool(items)
        self.by_art9.update(items)
        return self._listed(facts)

    def _listed(self, facts: RecordFacts) -> Art7Row | None:
        """``facts``' Art. 7 row, counted, when ``on_art7_list`` puts it there."""
        record = facts.record
        if not on_art7_list(record):
            return None
        self.main_leader += bool(record.main_leader)
        self.serious += bool(record.serious)
        self.art7_total += 1
        row = Art7Row(facts, bool(record.main_leader), bool(record.serious))
        self.art7_drafts += row.draft
        self.main_leader_drafts += row.draft and row.main_leader
        self.serious_drafts += row.draft and row.serious
        if len(self.art7) < ART7_KEEP:
            self.art7.append(row)
        return row

    def add_unsubmitted(
        self, record: Record, lines: Iterable[MilestoneLine], facts: RecordFacts | None = None
    ) -> Art7Row | None:
        """A draft still open, or one withdrawn, with its ``lines``
        (``reports.facts.timeliness_lines``): counted apart per handler, its steps past
        deadline missed (Art. 10). An open draft on Art. 7's list (``on_art7_list``) is
        counted there too, by its ``facts`` (required for one), and its row returned."""
        self.count(record, lines)
        if facts is None:
            if on_art7_list(record):
                raise ValueError(f"draft {record.id} is on the Art. 7 list: its facts are needed")
            return None
        return self._listed(facts)


def change(current: int, previous: int | None) -> tuple[int, float | None] | None:
    """The change from the previous period: the difference and its ratio (None from zero)."""
    if previous is None:
        return None
    diff = current - previous
    return diff, (diff / previous if previous else None)


def now_stamp(moment: datetime, tz: ZoneInfo) -> str:
    """``moment`` as ``YYYY-MM-DD HH:MM`` in ``tz``, for a report's "made at" line."""
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")
