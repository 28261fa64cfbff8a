"""The figures as labelled rows: what the workbook, the summary document and the chart show.

Each breakdown lists every category the rules know, zeros included, so two quarters'
tables line up; departments and handlers are listed as they occur.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from reports.facts import MILESTONE_ORDER, State
from reports.figures import Figures, LateRow, Tally, change
from reports.text import art9_name, tr, vocab
from storage.lists import join_list
from storage.vocabulary import ART9_ITEMS, Channel, Language, Milestone, UnitCategory

Rows = list[tuple[str, int]]


def _department(figures: Figures, department_id: int | None, language: Language) -> str:
    return figures.names.department(department_id) or tr(language, "report.unassigned")


def empty_notice(figures: Figures, language: Language) -> str:
    """What every output of a period with no counted record says of it (the workbook's
    summary and detail sheets, the summary document and the headline picture), or "" when
    records were counted: that there is none, and, when records received in earlier
    quarters were registered in it (``Figures.late_registered``), their count and numbers,
    which the chat reply, the summary's own section and the workbook's sheet list."""
    if not figures.empty:
        return ""
    words = tr(language, "report.empty")
    if figures.late_registered:
        words += tr(
            language,
            "report.empty_late",
            count=len(figures.late_registered),
            numbers=join_list(language.value, [row.number for row in figures.late_registered]),
        )
    return words


def late_steps(rows: Iterable[LateRow], state: State, language: Language) -> str:
    """The steps of ``rows`` (``Figures.late_registered``, ``Figures.due_earlier``) that
    stand in ``state`` (``State.MISSED``: still owed past the deadline; ``State.LATE``: met
    late), counted per step in ``MILESTONE_ORDER`` as words (``analysis.step_count`` for
    each step some row has in that state), or "" when none does. Their receipt quarter's
    report may have been made before they stood so, and this one counts by receipt time:
    the summary's analysis and the chat reply say these beside the lists that show them
    record by record (``LateRow.overdue``)."""
    counts = dict.fromkeys(MILESTONE_ORDER, 0)
    for row in rows:
        for milestone, found in row.overdue():
            counts[milestone] += found is state
    return join_list(
        language.value,
        (
            tr(language, "analysis.step_count", name=milestone_name(milestone, language), n=n)
            for milestone, n in counts.items()
            if n
        ),
    )


def no_comparison(figures: Figures, language: Language, key: str) -> str:
    """The words for a previous period the records do not cover whole
    (``Figures.previous_unrecorded``), by the catalog's ``key`` (``report.change_unrecorded``,
    ``analysis.previous_unrecorded`` or ``chart.previous_unrecorded``): when the court's
    records begin inside it and it holds records (``Figures.previous_since``), that it was
    registered here only from that day and is not compared (the key with ``_partly``);
    otherwise that nothing of it was registered here."""
    suffix, values = no_comparison_words(figures, language)
    return tr(language, f"{key}{suffix}", **values)


def no_comparison_words(figures: Figures, language: Language) -> tuple[str, dict[str, object]]:
    """Why a previous period the records do not cover whole is not compared.

    Returned as the suffix of the catalog key that says it and the key's values: the one
    decision every output follows (``no_comparison``, the chat's
    ``handlers.reports_cmd.caveats``):

    - ``_partly`` (``previous``, ``since``): the court began to use the system inside it
      and it holds records (``Figures.previous_since``);
    - ``_late`` (``previous``, ``since``, ``count``): the court began to use it after the
      previous period ended, and records of that period were registered late since
      (``Figures.previous_late``): the bot's own report of it counts them, so it is never
      said to have nothing registered;
    - "" (no values): nothing of it was registered here."""
    previous = figures.period.previous().title(language)
    if figures.previous_since is not None:
        return "_partly", {"previous": previous, "since": figures.previous_since.isoformat()}
    if figures.previous_late and figures.previous_late_since is not None:
        return "_late", {
            "previous": previous,
            "since": figures.previous_late_since.isoformat(),
            "count": figures.previous_late,
        }
    return "", {}


def of_which_drafts(drafts: int, language: Language, key: str) -> str:
    """What follows an Art. 7 count in a sentence when ``drafts`` of it are open drafts on
    the list (``reports.figures.on_art7_list``): the catalog's ``key``
    (``analysis.of_which_drafts``: how many of it are drafts), or "" when none is."""
    return tr(language, key, count=drafts) if drafts else ""


def headline(figures: Figures, language: Language) -> list[tuple[str, int | str]]:
    """The headline rows: counts by kind, Art. 7 (each count followed by the open drafts
    among it, ``on_art7_list``) and Art. 9, drafts, and the change (or,
    when the previous period predates the records, that there is nothing to compare with;
    while the period runs, the previous period's count and that it is not compared)."""
    rows: list[tuple[str, int | str]] = [
        (tr(language, "report.headline.external"), figures.external),
        (tr(language, "report.headline.reference"), figures.reference),
        (tr(language, "report.headline.main_leader"), figures.main_leader),
        *(
            [(tr(language, "report.headline.main_leader_drafts"), figures.main_leader_drafts)]
            if figures.main_leader_drafts
            else []
        ),
        (tr(language, "report.headline.serious"), figures.serious),
        *(
            [(tr(language, "report.headline.serious_drafts"), figures.serious_drafts)]
            if figures.serious_drafts
            else []
        ),
        (tr(language, "report.headline.with_art9"), figures.with_art9),
        (tr(language, "report.headline.retired"), figures.retired),
        (tr(language, "report.headline.intermediated"), figures.intermediated),
        (tr(language, "report.headline.direct_route"), figures.direct_route),
        (tr(language, "report.headline.drafts"), figures.drafts),
        (tr(language, "report.headline.withdrawn"), figures.withdrawn),
    ]
    if figures.previous_unrecorded:
        rows.append(
            (
                tr(language, "report.headline.change"),
                no_comparison(figures, language, "report.change_unrecorded"),
            )
        )
        return rows
    moved = change(figures.external, figures.previous_external)
    if moved is not None and figures.previous_external is not None:
        rows.append((tr(language, "report.headline.previous"), figures.previous_external))
        words = (
            tr(language, "report.change_running", at=figures.running_at)
            if figures.running_at
            else change_words(moved, language)
        )
        rows.append((tr(language, "report.headline.change"), words))
    return rows


def change_words(moved: tuple[int, float | None], language: Language) -> str:
    """A change from the previous period as words (``up 3 (25%)``, ``no change``).

    ``moved`` is ``(difference, ratio)``; the ratio is None when the previous count was 0.
    """
    diff, ratio = moved
    if diff == 0:
        return tr(language, "report.change_none")
    if ratio is None:
        return tr(language, "report.change_from_none", n=diff)
    key = "report.change_up" if diff > 0 else "report.change_down"
    return tr(language, key, n=abs(diff), pct=f"{abs(ratio):.0%}")


def categories(figures: Figures, language: Language, *, in_sentence: bool = False) -> Rows:
    """Counts by the inquirer's unit category (Art. 13), every category listed, unknown last;
    each name as a cell starts (``reports.text.vocab``), or as written in a sentence."""
    rows = [
        (vocab(UnitCategory, c, language, in_sentence=in_sentence), figures.by_category[c.value])
        for c in UnitCategory
    ]
    return rows + _unspecified(figures.by_category.get("", 0), language)


def channels(figures: Figures, language: Language, *, in_sentence: bool = False) -> Rows:
    """Counts by channel (Art. 3), every channel listed, unknown last; each name as a cell
    starts (``reports.text.vocab``), or as written in a sentence."""
    rows = [
        (vocab(Channel, c, language, in_sentence=in_sentence), figures.by_channel[c.value])
        for c in Channel
    ]
    return rows + _unspecified(figures.by_channel.get("", 0), language)


def _unspecified(count: int, language: Language) -> Rows:
    return [(tr(language, "report.unspecified"), count)] if count else []


def departments(figures: Figures, language: Language) -> Rows:
    """Counts by department, largest first."""
    ordered = sorted(figures.by_department.items(), key=lambda item: (-item[1], str(item[0])))
    return [(_department(figures, d, language), n) for d, n in ordered]


def art9(figures: Figures, language: Language) -> Rows:
    """Counts by Art. 9 special item, ``(n) name``, all 14 listed."""
    return [(f"({n}) {art9_name(n, language)}", figures.by_art9[n]) for n in ART9_ITEMS]


def months(figures: Figures, language: Language) -> list[tuple[str, int | str]]:
    """Counts by month of receipt, every month the period touches; a month before the one
    the court's records begin in (``Figures.since``) reads ``report.month_unrecorded``
    instead of a count: it was not registered here, which is no zero."""
    since = (figures.since.year, figures.since.month) if figures.since else (0, 0)
    unrecorded = tr(language, "report.month_unrecorded")
    return [
        (
            tr(language, "report.month", year=y, month=m),
            figures.by_month[(y, m)] if (y, m) >= since else unrecorded,
        )
        for y, m in figures.period.months()
    ]


def top(rows: Rows, n: int = 3) -> Rows:
    """The ``n`` largest non-zero rows by count, and every row tied with the last of them
    (a tie is never cut at random)."""
    ranked = sorted((row for row in rows if row[1]), key=lambda row: -row[1])
    if len(ranked) <= n:
        return ranked
    return [row for row in ranked if row[1] >= ranked[n - 1][1]]


def share_text(tally: Tally | None, language: Language) -> str:
    """The on-time share of ``tally`` as a percentage with one decimal; with nothing due, the
    words of ``share_words`` (never a bare dash, which reads as a missing figure)."""
    share = tally.share if tally is not None else None
    return share_words(tally, language) if share is None else f"{share:.1%}"


def share_words(tally: Tally | None, language: Language) -> str:
    """Why a step has no on-time share: ``chart.not_due`` (尚无到期事项) while records owe it
    and none is due yet (Art. 6), ``chart.no_record`` (无记录) when no record owes it (also
    for ``None``, a row without the step)."""
    pending = tally is not None and tally.pending > 0
    return tr(language, "chart.not_due" if pending else "chart.no_record")


def milestone_name(milestone: Milestone, language: Language) -> str:
    """A milestone's name in ``language`` (登记, 录入平台, 报送, 签字确认)."""
    return vocab(Milestone, milestone, language)


def milestone_rows(figures: Figures, language: Language) -> list[tuple[str, Tally]]:
    """Each milestone's name and tally, in ``MILESTONE_ORDER``."""
    return [(milestone_name(m, language), figures.milestones[m]) for m in MILESTONE_ORDER]


def share_value(tally: Tally, language: Language) -> float | str:
    """A step's on-time share (0 to 1) for a chart, or, with nothing due, why there is none:
    ``chart.not_due`` (未到期) while records owe the step but none is due yet (Art. 6),
    ``chart.no_record`` (无记录) when no record owes it."""
    if tally.share is not None:
        return tally.share
    return share_words(tally, language)


@dataclass(frozen=True)
class TimelinessRow:
    """One row of a timeliness table (Art. 10): a department or a handler and its tallies."""

    name: str
    department: str
    records: int
    tallies: dict[Milestone, Tally]
    drafts: int = 0
    withdrawn: int = 0

    @property
    def late(self) -> int:
        """Steps met after their deadline, over all milestones."""
        return sum(t.late for t in self.tallies.values())

    @property
    def missed(self) -> int:
        """Steps due and not met, over all milestones."""
        return sum(t.missed for t in self.tallies.values())


def by_department(figures: Figures, language: Language) -> list[TimelinessRow]:
    """Timeliness per department, by name."""
    rows = []
    for department_id, tallies in figures.department_milestones.items():
        name = _department(figures, department_id, language)
        records = tallies[MILESTONE_ORDER[0]].on_time + tallies[MILESTONE_ORDER[0]].late
        rows.append(TimelinessRow(name, name, records, tallies))
    return sorted(rows, key=lambda row: row.name)


def by_handler(figures: Figures, language: Language) -> list[TimelinessRow]:
    """Timeliness per person (Art. 10), by name: each handler with drafts and withdrawn
    drafts, and each staff member present who owes a co-signature (Art. 3), with the steps
    each owes (``reports.figures``): a co-signer's lateness is theirs, not the handler's."""
    rows = []
    for handler_id in figures.handlers:
        tallies = figures.handler_milestones.get(handler_id) or {}
        name = handler_id if isinstance(handler_id, str) else figures.names.person(handler_id)
        rows.append(
            TimelinessRow(
                name,
                _department(figures, figures.handler_department.get(handler_id), language),
                figures.handler_records[handler_id],
                dict(tallies),
                figures.handler_drafts[handler_id],
                figures.handler_withdrawn[handler_id],
            )
        )
    return sorted(rows, key=lambda row: (row.department, row.name))
