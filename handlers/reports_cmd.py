"""/report: the quarterly report in the chat, and the documents that reminders carry.

``/report`` is the last completed quarter (the current one while the records do not reach
back into the last: ``reports.period.default_period``), ``/report 2026Q3`` a quarter,
``/report 2026-07-01 2026-09-30`` any run of days. The reply is the headline picture with the
figures in words, the workbook and the summary document. Trial management (and its compiler),
discipline inspection and leaders may ask; anyone else is told there is no such command. Every
export is an audit event naming who took it, with each file's SHA-256.

Files are written under ``<evidence_dir>/../reports/`` (never into the evidence store), one
folder per export, and stay there: they are what left the building.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from handlers.engine import Context, Registry, Services, UserError, Words
from handlers.i18n import t
from handlers.ports import Button, OutgoingMessage, Reply
from reminders.quarters import Quarter
from reports.exports import Printed, record_export, report_detail
from reports.facts import State
from reports.files import safe_name
from reports.period import (
    Period,
    PeriodError,
    default_words,
    recorded_period,
    records_begin,
    refusal_values,
    relative_quarter,
)
from reports.tables import late_steps, no_comparison_words
from storage import form_copies
from storage.models import Record
from storage.vocabulary import Language, Milestone, Role

if TYPE_CHECKING:
    from reports.figures import Figures
    from reports.form import FormFiles
    from reports.quarterly import ReportFiles

REPORT_ROLES = {Role.TRIAL_MANAGEMENT, Role.COMPILER, Role.DISCIPLINE, Role.LEADER}
# Those who mark a quarter reported (handlers.milestones.report_quarter).
REPORTERS = frozenset({Role.TRIAL_MANAGEMENT, Role.COMPILER})


def reports_dir(services: Services) -> Path:
    """``services.reports`` when set (the demo's kept folder); else beside the evidence
    folder; a temporary folder when the bot runs without one."""
    if services.reports is not None:
        return services.reports
    if services.evidence is not None:
        return services.evidence.root.resolve().parent / "reports"
    return Path(tempfile.gettempdir()) / "guowen-reports"


def export_dir(ctx: Context, kind: str, label: str) -> Path:
    """A new folder for one export: ``reports/report/2026Q3/20261008-103000-7-k3j2``."""
    parent = reports_dir(ctx.services) / kind / safe_name(label)
    parent.mkdir(parents=True, exist_ok=True)
    stamp = ctx.local(ctx.now).strftime("%Y%m%d-%H%M%S")
    return Path(tempfile.mkdtemp(prefix=f"{stamp}-{ctx.staff.id}-", dir=parent))


def _refusal(ctx: Context, problem: PeriodError, command: str) -> UserError:
    values = refusal_values(problem, ctx.now, ctx.services.tz)
    values["default"] = ctx.t(values["default"])
    return UserError(f"report.bad_{problem.problem.value}", command=command, **values)


async def chat_period(ctx: Context, args: str, *, command: str, current: bool = False) -> Period:
    """The period ``args`` names for ``command`` (``/report``, ``/compliance``), by the one
    reading and check (``reports.period.recorded_period``); without one, the current quarter
    when ``current``, else ``reports.period.default_period``. Raises ``UserError`` with the
    refusal's reason and an example that is itself accepted."""
    tz = ctx.services.tz
    try:
        return await recorded_period(ctx.session, args, now=ctx.now, tz=tz, current=current)
    except PeriodError as problem:
        raise _refusal(ctx, problem, command) from None


def document_language(ctx: Context) -> Language:
    """The language of every document the bot renders as the court's record: the form and
    its copies (to discipline inspection, trial management, the sub-file), the quarterly
    report's files (XLSX, DOCX, chart). Always the court's (``[court] language``): one
    record reads the same in every office's hands. A person's /language (``ctx.language``)
    changes only the chat text around the document (its caption, the summary)."""
    return ctx.services.language


async def make_report(
    ctx: Context, period: Period, *, draft: bool = False, via: str = "chat"
) -> ReportFiles:
    """Build the period's files in the court's language (``document_language``) and record
    who took them."""
    from reports.quarterly import build_report  # the spreadsheet libraries: imported on use

    services = ctx.services
    files = await build_report(
        ctx.session,
        period,
        language=document_language(ctx),
        tz=services.tz,
        rules=services.rules,
        now=ctx.now,
        out_dir=export_dir(ctx, "report", period.label),
        court_name=services.court_name,
        draft=draft,
    )
    detail = report_detail(
        period, files.figures, language=document_language(ctx), via=via, draft=draft
    )
    await _exported(ctx, files, what="report", subject=f"period:{period.label}", detail=detail)
    return files


async def _exported(
    ctx: Context, printed: Printed, *, what: str, subject: str, detail: dict[str, Any]
) -> None:
    """``record_export`` of what the chat's sender took, now."""
    await record_export(
        ctx.session,
        printed,
        what=what,
        subject=subject,
        at=ctx.now,
        actor_staff_id=ctx.staff.id,
        actor=ctx.staff.name,
        detail=detail,
    )


def caveats(language: Language, figures: Figures) -> list[str]:
    """What a report's reader must know besides its figures, in ``language``: a previous
    period that predates the records is no count to compare with (never read as a rise from
    zero); a period still running counts only to now (never a fall against a whole period),
    said whether or not there is a previous period to compare with; a period reaching back
    before the court's first record (``Figures.since``) counts only from it."""
    found: list[str] = []
    if figures.since is not None:
        found.append(t(language, "report.since", since=figures.since.isoformat()))
    if figures.previous_unrecorded:
        suffix, values = no_comparison_words(figures, language)  # as the documents say it
        found.append(t(language, f"report.previous_unrecorded{suffix}", **values))
        if figures.running_at:
            found.append(t(language, "report.running_so_far", at=figures.running_at))
    elif figures.running_at:
        found.append(t(language, "report.running", at=figures.running_at))
    return found


def headline_text(ctx: Context, files: ReportFiles) -> str:
    """The chat line sent with a report's files: the period and its Art. 7/Art. 9 figures,
    how many records of earlier quarters were registered in it (listed in the summary), and
    how many records staff present disputed (Art. 3); and, when the previous period predates
    the records, that the report has nothing to compare with; while the period runs, that it
    is not compared."""
    figures = files.figures
    title = period_words(ctx, files.period)
    late = ""
    if figures.late_registered:  # received in an earlier quarter, registered in this period
        late = "\n" + ctx.t("report.late_registered", count=len(figures.late_registered))
        missed = late_steps(figures.late_registered, State.MISSED, ctx.language)
        if missed:  # owed still, and in no quarter's timeliness figures (Art. 6, Art. 10)
            late += "\n" + ctx.t("report.late_missed", steps=missed)
    if figures.due_earlier:  # earlier quarters' records, a step fallen due in this one
        late += "\n" + ctx.t("report.due_earlier", count=len(figures.due_earlier))
        missed = late_steps(figures.due_earlier, State.MISSED, ctx.language)
        if missed:
            late += "\n" + ctx.t("report.late_missed", steps=missed)
    for line in caveats(ctx.language, figures):
        late += "\n" + line
    if figures.art7_drafts:  # on the Art. 7 list as its alerts said (on_art7_list)
        late += "\n" + ctx.t(
            "report.art7_drafts",
            count=figures.art7_drafts,
            main_leader=figures.main_leader,
            serious=figures.serious,
        )
    disputed = figures.milestones[Milestone.COSIGNED].disputed
    if disputed:  # Art. 3: a dispute is not a confirmation; said, not folded into on time
        late += "\n" + ctx.t("report.cosign_disputed", count=disputed)
    if figures.empty:
        return (
            ctx.t(
                "report.ready_empty",
                period=title,
                drafts=figures.drafts,
                withdrawn=figures.withdrawn,
            )
            + late
        )
    return (
        ctx.t(
            "report.ready",
            period=title,
            external=figures.external,
            reference=figures.reference,
            main_leader=figures.main_leader,
            serious=figures.serious,
            main_leader_drafts=of_which_drafts(figures.main_leader_drafts, ctx.language),
            serious_drafts=of_which_drafts(figures.serious_drafts, ctx.language),
            drafts=figures.drafts,
            withdrawn=figures.withdrawn,
        )
        + late
    )


def of_which_drafts(drafts: int, language: Language) -> str:
    """After an Art. 7 count in the chat's sentence, how many of it are open drafts
    (``reports.figures.on_art7_list``): ``report.of_which_drafts``, or "" when none is."""
    return t(language, "report.of_which_drafts", count=drafts) if drafts else ""


def period_words(ctx: Context, period: Period) -> str:
    """``period`` as a title in the reader's language: ``2026年第三季度`` or two dates."""
    if period.quarter is not None:
        name = ctx.t(f"report.q{period.quarter.number}")
        return ctx.t("report.period_quarter", year=period.quarter.year, name=name)
    return ctx.t(
        "report.period_range", first=period.first.isoformat(), last=period.last.isoformat()
    )


def report_messages(
    ctx: Context, files: ReportFiles, text: str, *, offer_done: bool = True
) -> list[OutgoingMessage]:
    """The picture with ``text``, then the workbook and the summary document; for trial
    management, a button that marks an ended quarter reported (Art. 7)."""
    buttons: tuple[tuple[Button, ...], ...] = ()
    quarter = files.period.quarter
    if (
        offer_done
        and quarter is not None
        and ctx.roles & REPORTERS
        and files.period.ended(ctx.now, ctx.services.tz)
    ):
        buttons = ((Button(ctx.t("milestones.quarter_button"), f"ms:q:{quarter.label}:done"),),)
    if files.missing:  # never a silent gap: the sender is told which characters no font has
        from reports.form import missing_words  # the PDF libraries: imported on use

        text += "\n" + ctx.t("report.missing_glyphs_report", chars=missing_words(files.missing))
    workbook_caption = ctx.t("report.workbook_caption")
    if files.figures.late_registered:  # its own sheet (reports.xlsx write_late)
        workbook_caption += ctx.t("report.workbook_caption_late")
    if files.figures.due_earlier:  # so are these
        workbook_caption += ctx.t("report.workbook_caption_due_earlier")
    return [
        OutgoingMessage(text, photo=files.chart),
        OutgoingMessage(workbook_caption, document=files.xlsx),
        OutgoingMessage(ctx.t("report.summary_caption"), buttons, document=files.summary),
    ]


def _send(ctx: Context, messages: list[OutgoingMessage]) -> None:
    for message in messages:
        ctx.replies.append(Reply(ctx.message.transport, ctx.message.chat_id, message))


async def report_command(ctx: Context, args: str) -> None:
    """/report [2026Q3 | 2026-07-01 2026-09-30]: the Art. 7 summary of a quarter or dates.

    Without an argument, ``reports.period.default_period``, and the reply says which quarter
    that is and how to ask for the other (``reports.period.default_words``). Raises
    ``UserError`` for a period that cannot be read or that the records cannot speak for
    (``reports.period.PeriodError``'s problem, with an example).
    """
    period = await chat_period(ctx, args, command="/report")
    files = await make_report(ctx, period)
    text = headline_text(ctx, files)
    if not args.strip():  # which quarter a bare /report took, and how to ask for the other
        key, values = default_words(
            period, ctx.now, ctx.services.tz, await records_begin(ctx.session)
        )
        text += "\n" + ctx.t(key, command="/report", **values)
    _send(ctx, report_messages(ctx, files, text))


async def quarter_draft(ctx: Context, quarter_label: str) -> list[OutgoingMessage]:
    """The draft report that the compiler's quarter-end reminder carries.

    Called by the notifier with ``ctx.staff`` the recipient, who is recorded as taking it.
    """
    quarter = Quarter.parse(quarter_label)
    if quarter is None:
        return []
    files = await make_report(ctx, Period.of_quarter(quarter), draft=True, via="quarter_end")
    text = ctx.t("report.draft_caption", period=period_words(ctx, files.period))
    # The reminder itself carries the "reported" button.
    return report_messages(ctx, files, text, offer_done=False)


async def form_copy(
    ctx: Context, record: Record, payload: Mapping[str, object] | None = None
) -> list[OutgoingMessage]:
    """The statistics form of ``record`` as PDF and DOCX: what a delivered form copy carries.

    Called by the notifier for each recipient (``ctx.staff``), in their language; each copy is
    recorded as taken by its recipient. ``payload``: the ``FORM_COPY`` reminder's; a copy that
    supersedes an earlier one (``supersedes``, ``version``) says so under its title.
    """
    from reports.form import CopyMark, build_form, missing_words  # imported on use

    payload = payload or {}
    copy = None
    if payload.get("supersedes"):
        why = "corrected"
        if payload.get("supplemented"):
            why = "supplemented"
        elif payload.get("cosigned"):
            why = "cosigned"
        copy = CopyMark(
            version=int(str(payload.get("version", 2))),
            supersedes=datetime.fromisoformat(str(payload["supersedes"])),
            why=why,
        )

    # The copy says it completes 报送表格复印件 only when it does: each office has someone
    # it reaches by chat now (or already); one to be handed over in print leaves it open.
    version = int(str(payload.get("version", 1)))
    completes = form_copies.completing(await form_copies.recipients(ctx.session, record, version))
    services = ctx.services
    files: FormFiles = await build_form(
        ctx.session,
        record.id,
        language=document_language(ctx),
        tz=services.tz,
        rules=services.rules,
        out_dir=export_dir(ctx, "form", record.number or f"draft-{record.id}"),
        now=ctx.now,
        court_name=services.court_name,
        delivering=completes,
        copy=copy,
    )
    detail = {"language": document_language(ctx).value, "via": "form_copy"}
    await _exported(ctx, files, what="form", subject=f"record:{record.id}", detail=detail)
    caption = ctx.t("report.form_pdf_caption")
    if files.missing:  # never a silent gap: the reader is told which characters no font has
        caption += "\n" + ctx.t("report.missing_glyphs", chars=missing_words(files.missing))
    return [
        OutgoingMessage(caption, document=files.pdf),
        OutgoingMessage(ctx.t("report.form_docx_caption"), document=files.docx),
    ]


def _no_period(ctx: Context) -> str:
    return ""


def _this_quarter(ctx: Context) -> str:
    return relative_quarter(0, ctx.now, ctx.services.tz).label


def _last_quarter(ctx: Context) -> str:
    return relative_quarter(1, ctx.now, ctx.services.tz).label


def register(registry: Registry) -> None:
    """Register /report for the roles that may produce reports, and the plain words that ask
    for it (``words.*``): 季度报告 is /report alone (``reports.period.default_period``),
    本季度报告 the current quarter so far, 上季度报告 the previous quarter."""
    registry.command("report", report_command, "help.report", REPORT_ROLES)
    registry.words += [
        Words("words.report", "report", _no_period),
        Words("words.report_current", "report", _this_quarter),
        Words("words.report_previous", "report", _last_quarter),
    ]
