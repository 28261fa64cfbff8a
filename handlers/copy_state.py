"""Where each form copy of a record is (Art. 6), in words: who it went to, for which office,
and whether it arrived (by chat, or handed over in print) or must still be handed over."""

from __future__ import annotations

from collections.abc import Sequence

from handlers import card
from handlers.engine import Context
from handlers.i18n import join
from reminders.dispatch import NO_CHAT_ACCOUNT
from storage.form_copies import OFFICES, Arrival, Recipient
from storage.vocabulary import label_at_start


def failure_words(ctx: Context, detail: str | None) -> str:
    """Why a send failed, in the reader's language: the catalog's words for a reason guowen
    itself gives (no chat account), else the transport's own detail, or a dash."""
    if not detail:
        return "-"
    if detail == NO_CHAT_ACCOUNT:
        return ctx.t("reminders.no_chat_account")
    return detail


def office_words(ctx: Context, person: Recipient) -> str:
    """The offices ``person`` holds the copy for, as labels (the earlier-recipient wording
    when they hold none of them now)."""
    if not person.offices:
        return ctx.t("milestones.earlier_recipient")
    return join(ctx.language, [label_at_start(role, ctx.language) for role in person.offices])


def lines(ctx: Context, people: Sequence[Recipient]) -> list[str]:
    """One line a recipient: office, name and where their copy is."""
    found: list[str] = []
    for person in people:
        values: dict[str, object] = {
            "where": office_words(ctx, person),
            "name": person.name,
            "at": card.stamp(ctx, person.at),
            "detail": failure_words(ctx, person.detail),
        }
        found.append(ctx.t(f"views.copy_{person.state.value}", **values))
    return found


def open_line(ctx: Context, people: Sequence[Recipient]) -> str:
    """The first copy still open (Art. 6: each office must have it), naming the offices of
    ``OFFICES`` that no recipient's copy has reached yet."""
    lacking = [role for role in OFFICES if not any(p.arrived and role in p.offices for p in people)]
    offices = join(ctx.language, [label_at_start(role, ctx.language) for role in lacking])
    return ctx.t("views.form_copy_open", offices=offices)


def waiting(people: Sequence[Recipient]) -> list[Recipient]:
    """The recipients whose copy did not arrive (failed or not sent yet)."""
    return [p for p in people if p.state in (Arrival.PENDING, Arrival.FAILED)]
