"""The written analysis Art. 7 asks for (汇总分析): a few sentences from the figures.

Each sentence is a catalog template filled with numbers and names; one that would say nothing
(no Art. 9 items, no late steps) says so briefly or is left out, so a quiet quarter reads short.
"""

from __future__ import annotations

from collections.abc import Iterable

from reports.facts import MILESTONE_ORDER, State
from reports.figures import Figures, Tally, change
from reports.tables import (
    Rows,
    art9,
    by_department,
    categories,
    channels,
    late_steps,
    no_comparison,
    of_which_drafts,
    share_text,
    top,
)
from reports.text import tr
from storage.lists import join_list
from storage.vocabulary import Language, Milestone


def _listing(rows: Rows, language: Language) -> str:
    return join_list(
        language.value, (tr(language, "analysis.item", name=name, n=n) for name, n in rows)
    )


def analysis(figures: Figures, language: Language) -> list[str]:
    """The Art. 7 written analysis (汇总分析) of ``figures``: one sentence a list item.

    Totals and the change from the previous period (none while the period runs), the
    leading unit categories, channels and departments, the Art. 9 items and the late or
    missed Art. 6 steps (a draft's steps past deadline among the missed, and said so), in
    ``language``.
    """
    period = figures.period.title(language)
    if figures.empty:
        lines = [tr(language, "analysis.empty", period=period)]
    else:
        lines = [
            tr(
                language,
                "analysis.total",
                period=period,
                external=figures.external,
                reference=figures.reference,
            )
        ]
    if figures.since is not None:
        lines.append(tr(language, "analysis.since", since=figures.since.isoformat()))
    moved = change(figures.external, figures.previous_external)
    if figures.previous_unrecorded:
        lines.append(no_comparison(figures, language, "analysis.previous_unrecorded"))
    elif figures.running_at and figures.previous_external is not None:
        lines.append(
            tr(
                language,
                "analysis.running",
                at=figures.running_at,
                previous=figures.previous_external,
            )
        )
    elif moved is not None and figures.previous_external is not None:
        diff, ratio = moved
        if diff == 0:
            lines.append(tr(language, "analysis.same", previous=figures.previous_external))
        elif ratio is None:
            lines.append(tr(language, "analysis.from_none", n=diff))
        else:
            key = "analysis.up" if diff > 0 else "analysis.down"
            lines.append(
                tr(
                    language,
                    key,
                    previous=figures.previous_external,
                    n=abs(diff),
                    pct=f"{abs(ratio):.0%}",
                )
            )
    if figures.external:
        lines.append(
            tr(
                language,
                "analysis.categories",
                top=_listing(top(categories(figures, language, in_sentence=True)), language),
            )
        )
        if figures.retired:
            lines.append(tr(language, "analysis.retired", n=figures.retired))
        lines.append(
            tr(
                language,
                "analysis.channels",
                top=_listing(top(channels(figures, language, in_sentence=True)), language),
            )
        )
        if figures.with_art9:
            lines.append(
                tr(
                    language,
                    "analysis.art9",
                    n=figures.with_art9,
                    top=_listing(top(art9(figures, language)), language),
                )
            )
        else:
            lines.append(tr(language, "analysis.art9_none"))
        lines += _art7(figures, language) or [tr(language, "analysis.art7_none")]
        if figures.unregistered:
            lines.append(tr(language, "analysis.unregistered", n=figures.unregistered))
    else:  # no record submitted, yet an open draft may be on the Art. 7 list
        lines += _art7(figures, language)
    lines += _timeliness(figures, language)
    if figures.drafts or figures.withdrawn:
        lines.append(
            tr(language, "analysis.unsubmitted", drafts=figures.drafts, withdrawn=figures.withdrawn)
        )
    lines += _late_registered(figures, language)
    if figures.lapsed_drafts:
        lines.append(
            tr(
                language,
                "analysis.lapsed",
                drafts=figures.lapsed_drafts,
                steps=figures.lapsed_steps,
            )
        )
    return lines


def _art7(figures: Figures, language: Language) -> list[str]:
    """The Art. 7 sentences: the cases to report upward or at once, open drafts on the list
    among them (``reports.figures.on_art7_list``) said so; none when there is no case."""
    if not (figures.main_leader or figures.serious):
        return []
    lines = [
        tr(
            language,
            "analysis.art7",
            main_leader=figures.main_leader,
            serious=figures.serious,
            main_leader_drafts=of_which_drafts(
                figures.main_leader_drafts, language, "analysis.of_which_drafts"
            ),
            serious_drafts=of_which_drafts(
                figures.serious_drafts, language, "analysis.of_which_drafts"
            ),
        )
    ]
    if figures.art7_drafts:
        lines.append(tr(language, "analysis.art7_drafts", drafts=figures.art7_drafts))
    return lines


def _late_registered(figures: Figures, language: Language) -> list[str]:
    """The steps of the records of earlier quarters registered in the period, and of those
    registered before it with a step falling due in it (``Figures.due_earlier``), that are
    still owed past their deadline, or were met late (``reports.tables.late_steps``): in
    none of the timeliness figures above, each shown in its section."""
    lines = []
    for rows, key in (
        (figures.late_registered, "analysis.late"),
        (figures.due_earlier, "analysis.due_earlier"),
    ):
        missed = late_steps(rows, State.MISSED, language)
        if missed:
            lines.append(tr(language, f"{key}_missed", steps=missed))
        late = late_steps(rows, State.LATE, language)
        if late:
            lines.append(tr(language, f"{key}_late", steps=late))
    return lines


def _timeliness(figures: Figures, language: Language) -> list[str]:
    total = figures.totals()
    if not total.due:
        return []
    shares = {m: share_text(figures.milestones[m], language) for m in MILESTONE_ORDER}
    lines = [
        tr(
            language,
            "analysis.timeliness",
            registered=shares[Milestone.REGISTERED],
            platform=shares[Milestone.PLATFORM_ENTERED],
            delivered=shares[Milestone.FORM_DELIVERED],
            late=total.late,
            missed=total.missed,
        )
    ]
    disputed = figures.milestones[Milestone.COSIGNED].disputed
    if disputed:
        lines.append(tr(language, "analysis.cosign_disputed", n=disputed))
    lines += _overdue_departments(figures, language)
    return lines


def _overdue_departments(figures: Figures, language: Language) -> list[str]:
    """Two sentences, each from the figure it names: the departments with the MOST overdue
    steps (late + missed, a count), and those with the LOWEST on-time share of the steps due
    (a share; only when it differs between departments). Ties are all named."""
    rows = by_department(figures, language)
    lines = []
    most = max((row.late + row.missed for row in rows), default=0)
    if most:
        named = [row for row in rows if row.late + row.missed == most]
        listing = join_list(language.value, (
            tr(language, "analysis.overdue_item", name=row.name, late=row.late,
               missed=row.missed, total=most)
            for row in named
        ))  # fmt: skip
        lines.append(tr(language, "analysis.worst_department", list=listing))
    shares = {row.name: _on_time(row.tallies.values()) for row in rows}
    due = [row for row in rows if shares[row.name] is not None]
    if len({shares[row.name] for row in due}) > 1:
        lowest = min(shares[row.name] or 0.0 for row in due)
        listing = join_list(language.value, (
            tr(language, "analysis.share_item", name=row.name, share=f"{lowest:.1%}",
               on_time=sum(t.on_time for t in row.tallies.values()),
               due=sum(t.due for t in row.tallies.values()))
            for row in due
            if shares[row.name] == lowest
        ))  # fmt: skip
        lines.append(tr(language, "analysis.lowest_share", list=listing))
    return lines


def _on_time(tallies: Iterable[Tally]) -> float | None:
    """The on-time share of every step due; None when none was."""
    due = on_time = 0
    for tally in tallies:
        due += tally.due
        on_time += tally.on_time
    return on_time / due if due else None
