"""The summary document of a report: the figures, their charts and the written analysis,
as a DOCX the compiler can edit before it goes up (Art. 7), and the headline picture."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from reports import charts
from reports.analysis import analysis
from reports.columns import stamp
from reports.document import Block, Document, Grid, Heading, Pairs, Para, Picture
from reports.facts import MILESTONE_ORDER
from reports.figures import ART7_KEEP, Art7Row, Figures
from reports.tables import (
    art9,
    by_department,
    categories,
    channels,
    departments,
    empty_notice,
    headline,
    milestone_name,
    milestone_rows,
    months,
    share_text,
    share_value,
    top,
)
from reports.text import numeral, tr
from reports.xlsx import ART7_KEYS, LATE_KEYS, art7_texts, late_states
from storage.vocabulary import Language


def _counts(rows: Sequence[tuple[str, int | str]], language: Language, name_key: str) -> Grid:
    """A count table; where nothing was counted (no row, or only zeros) it says 无记录 in a
    last row, as the workbook's does (``reports.xlsx``)."""
    header = (tr(language, name_key), tr(language, "report.count"))
    nothing = "" if _counted(rows) else tr(language, "chart.no_record")
    return Grid(header, tuple((label, str(n)) for label, n in rows), nothing)


def _counted(rows: Sequence[tuple[str, int | str]]) -> bool:
    """Whether a count table counts anything: a chart of nothing but zeros would read as a
    finding, so it is drawn only then (as the workbook's). Words (a month not registered
    here) count nothing."""
    return any(isinstance(n, int) and n for _, n in rows)


def _counted_with_chart(
    rows: Sequence[tuple[str, int | str]], language: Language, name_key: str, picture: Path
) -> list[Block]:
    """A count table and its chart below it, the chart only where something was counted."""
    table = _counts(rows, language, name_key)
    return [table, Picture(picture, 15)] if _counted(rows) else [table]


def chart_files(figures: Figures, language: Language, folder: Path) -> dict[str, Path]:
    """The bar charts of the summary document, as PNG files in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    wanted: dict[str, Sequence[tuple[str, int | str]]] = {
        "categories": categories(figures, language),
        "channels": channels(figures, language),
        "months": months(figures, language),
    }
    made = {
        name: charts.bar_chart(
            folder / f"{name}.png",
            tr(language, f"report.section.{name}"),
            [(label, float(n) if isinstance(n, int) else n) for label, n in rows],
        )
        for name, rows in wanted.items()
    }
    made["timeliness"] = charts.bar_chart(
        folder / "timeliness.png",
        tr(language, "timeliness.share_title"),
        [(name, share_value(tally, language)) for name, tally in milestone_rows(figures, language)],
        percent=True,
        nothing=tr(language, "chart.no_record"),
    )
    return made


def summary_document(
    figures: Figures,
    *,
    language: Language,
    tz: ZoneInfo,
    title: str,
    notes: Sequence[str],
    footer: str,
    pictures: dict[str, Path],
    court_name: str,
) -> Document:
    """The Art. 7 quarterly summary (汇总分析) of ``figures`` as a ``Document``.

    Headline figures, the written analysis, the breakdowns and the timeliness tables, with
    ``pictures`` (chart key → PNG path) placed beside their tables. The court's name stands
    under the title only where the title does not name it already.
    """
    blocks: list[Block] = [Para(note, small=True) for note in notes]
    n = 0

    def section(key: str) -> Heading:
        nonlocal n
        n += 1
        return Heading(tr(language, f"summary.section.{key}", n=numeral(n, language)))

    blocks.append(section("overview"))
    if figures.empty:
        blocks.append(Para(empty_notice(figures, language)))
    blocks.append(Pairs(tuple((label, str(value)) for label, value in headline(figures, language))))
    blocks.append(section("analysis"))
    blocks += [Para(line) for line in analysis(figures, language)]
    if not figures.empty:
        blocks.append(section("categories"))
        blocks += _counted_with_chart(categories(figures, language), language,
                                      "report.category", pictures["categories"])  # fmt: skip
        blocks.append(section("channels"))
        blocks += _counted_with_chart(channels(figures, language), language,
                                      "report.channel", pictures["channels"])  # fmt: skip
        blocks.append(section("departments"))
        blocks.append(_counts(departments(figures, language), language, "report.department"))
        blocks.append(section("art9"))
        blocks.append(_counts(art9(figures, language), language, "report.item"))
        blocks.append(section("months"))
        blocks += _counted_with_chart(months(figures, language), language,
                                      "report.month_name", pictures["months"])  # fmt: skip
    blocks.append(section("art7"))
    if figures.art7:
        keys = ("number", "received_at", "inquirer", "unit", "case_number", "case_name",
                "main_leader", "serious")  # fmt: skip
        picked = [ART7_KEYS.index(key) for key in keys]
        position = ART7_KEYS.index("position")
        rows: list[tuple[str, ...]] = []
        # Received order, an open draft's row among the records' (``on_art7_list``).
        for row in sorted(figures.art7, key=_received):
            texts = art7_texts(row, language, tz)
            cells = [texts[i] for i in picked]
            if texts[position]:  # the position beside the name: a column of its own has no room
                name = tr(
                    language, "art7.inquirer_position", name=cells[2], position=texts[position]
                )
                cells[2] = name
            rows.append(tuple(cells))
        titles = [tr(language, f"art7.{k}") for k in keys]
        titles[2] = tr(language, "art7.inquirer_with_position")
        # The case number tells the higher Party committee which case it is (Art. 7).
        blocks.append(Grid(tuple(titles), tuple(rows)))
        if figures.art7_total > ART7_KEEP:
            blocks.append(
                Para(tr(language, "summary.art7_more", shown=ART7_KEEP, total=figures.art7_total))
            )
    else:
        blocks.append(Para(tr(language, "art7.none")))
    blocks.append(section("timeliness"))
    tally_keys = ("on_time", "late", "missed", "disputed", "pending", "share")
    header = (
        tr(language, "report.milestone"),
        *(tr(language, f"timeliness.{k}") for k in tally_keys),
    )
    blocks.append(
        Grid(
            header,
            tuple(
                (
                    name,
                    str(t.on_time),
                    str(t.late),
                    str(t.missed),
                    str(t.disputed),
                    str(t.pending),
                    share_text(t, language),
                )
                for name, t in milestone_rows(figures, language)
            ),
        )
    )
    if figures.drafts or figures.withdrawn:
        blocks.append(Para(tr(language, "summary.drafts_counted"), small=True))
    if figures.totals().due:
        blocks.append(Picture(pictures["timeliness"], 15))
    people = by_department(figures, language)
    if people:
        names = [milestone_name(m, language) for m in MILESTONE_ORDER]
        blocks.append(
            Grid(
                (tr(language, "timeliness.by_department"), *names,
                 tr(language, "timeliness.late"), tr(language, "timeliness.missed")),
                tuple(
                    (row.name, *(share_text(row.tallies[m], language) for m in MILESTONE_ORDER),
                     str(row.late), str(row.missed))
                    for row in people
                ),
            )
        )  # fmt: skip
        blocks.append(Para(tr(language, "summary.per_handler_in_workbook"), small=True))
    for key, intro, listed in (
        ("late", "summary.late_intro", figures.late_registered),
        ("due_earlier", "summary.due_intro", figures.due_earlier),
    ):
        if not listed:
            continue
        blocks.append(section(key))
        blocks.append(Para(tr(language, intro), small=True))
        blocks.append(
            Grid(
                tuple(tr(language, f"late.{column}") for column in LATE_KEYS),
                tuple(
                    (row.number, stamp(row.received_at, tz), stamp(row.submitted_at, tz),
                     *late_states(row, language), row.inquirer, row.unit, row.department)
                    for row in listed
                ),
            )
        )  # fmt: skip
    return Document(
        title=title,
        subtitle="" if court_name in title else court_name,  # the title names the court
        blocks=tuple(blocks),
        footer=footer,
        meta={"author": court_name},
    )


def _received(row: Art7Row) -> tuple[datetime, int]:
    """An Art. 7 row's place on the list: its receipt time, then its record's id."""
    return row.facts.record.received_at, row.facts.record.id


def headline_picture(
    path: Path, figures: Figures, *, language: Language, title: str, subtitle: str, footer: str
) -> Path:
    """Draw the headline picture of a report at ``path`` (PNG): the figures in tiles."""
    delivered = figures.milestones[MILESTONE_ORDER[2]]
    art7_tile = str(figures.art7_total)
    if figures.art7_drafts:  # unsubmitted drafts on the list, said so as in the summary
        art7_tile = tr(
            language, "chart.art7_with_drafts", total=figures.art7_total, drafts=figures.art7_drafts
        )
    tiles = [
        (tr(language, "chart.external"), str(figures.external)),
        (tr(language, "chart.reference"), str(figures.reference)),
        (tr(language, "chart.art7"), art7_tile),
        (tr(language, "chart.unsubmitted"), str(figures.drafts + figures.withdrawn)),
        (tr(language, "chart.delivered_on_time"), share_text(delivered, language)),
    ]
    return charts.headline_card(
        path,
        title=title,
        subtitle=subtitle,
        tiles=tiles,
        left_title=tr(language, "report.section.categories"),
        left=[(label, float(n)) for label, n in top(categories(figures, language), 8)],
        right_title=tr(language, "timeliness.share_title"),
        right=[(name, share_value(t, language)) for name, t in milestone_rows(figures, language)],
        footer=footer,
        nothing=tr(language, "chart.no_record"),
        notice=empty_notice(figures, language),
    )
