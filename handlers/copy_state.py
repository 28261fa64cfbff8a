"""Where each form copy of a record is (Art. 6), in words: who it went to, for which office,
and whether it arrived (by chat, or handed over in print) or must still be handed over."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime

from handlers import card
from handlers.engine import Context
from handlers.i18n import join
from handlers.ports import Button
from reminders.dispatch import NO_CHAT_ACCOUNT
from storage import form_copies
from storage.form_copies import DISABLED, OFFICES, Arrival, Copy, Recipient
from storage.models import Record, Staff
from storage.vocabulary import Role, label_at_start


def failure_words(ctx: Context, detail: str | None) -> str:
    """Why a send failed, in the reader's language: the catalog's words for a reason guowen
    itself gives (no chat account), else the transport's own detail, or a dash."""
    if not detail:
        return "-"
    if detail == NO_CHAT_ACCOUNT:
        return ctx.t("reminders.no_chat_account")
    if detail == DISABLED:
        return ctx.t("views.recipient_disabled")
    return detail


def office_words(ctx: Context, person: Recipient) -> str:
    """The offices ``person`` holds the copy for, as labels (the earlier-recipient wording
    when they hold none of them now)."""
    if not person.offices:
        return ctx.t("milestones.earlier_recipient")
    return join(ctx.language, [label_at_start(role, ctx.language) for role in person.offices])


def lines(
    ctx: Context,
    people: Sequence[Recipient],
    *,
    version: int = 1,
    later: Mapping[int, int] | None = None,
    held: Mapping[int, str] | None = None,
) -> list[str]:
    """One line a recipient of copy ``version``: office, name and where their copy is.

    A copy that did not arrive is said as superseded when a later copy went to the person
    since (``later``: each person's last version); for a corrected copy still to arrive the
    line names the copy the person holds meanwhile (``held``, in words; none: no copy)."""
    found: list[str] = []
    for person in people:
        values: dict[str, object] = {
            "where": office_words(ctx, person),
            "name": person.name,
            "at": card.stamp(ctx, person.at),
            "detail": failure_words(ctx, person.detail),
        }
        key = f"views.copy_{person.state.value}"
        last = (later or {}).get(person.staff_id, version)
        if not person.arrived and last > version:
            key, values["version"] = "views.copy_superseded", last
        elif not person.arrived and version > 1:
            key += "_corrected"
            values["held"] = (held or {}).get(person.staff_id) or ctx.t("views.copy_none_held")
        found.append(ctx.t(key, **values))
    return found


def copy_words(ctx: Context, version: int, copy: Copy | None) -> str:
    """Which copy of the form ``version`` is, in words: the first, or the one sent at
    ``copy.at`` after a correction, with evidence added or once the co-signers answered."""
    if version == 1 or copy is None:
        return ctx.t("milestones.copy_first", version=version)
    return ctx.t(
        f"milestones.copy_{resend_reason(copy)}", version=version, at=card.stamp(ctx, copy.at)
    )


def resend_reason(copy: Copy) -> str:
    """Why a copy after the first went, as its catalog keys end: ``supplemented`` (evidence
    added), ``cosigned`` (the co-signers answered, Art. 3) or ``corrected`` (the entries
    changed); the form copies' audit events (``form_resent``) say which."""
    if copy.supplemented:
        return "supplemented"
    if copy.cosigned:
        return "cosigned"
    return "corrected"


def handover_button(ctx: Context, record_id: int, person: Recipient, version: int) -> Button:
    """The button that confirms copy ``version`` was handed to ``person`` in print
    (callback data ``ms:<record>:handed:<staff>:v<version>``)."""
    text = ctx.t("milestones.handed_button", name=person.name)
    if version > 1:
        text = ctx.t("milestones.handed_version_button", name=person.name, version=version)
    return Button(text, f"ms:{record_id}:handed:{person.staff_id}:v{version}")


def handover_buttons(
    ctx: Context, record_id: int, due: Sequence[tuple[int, Recipient]]
) -> tuple[tuple[Button, ...], ...]:
    """One hand-over button a row for each (version, person) of ``due``."""
    return tuple((handover_button(ctx, record_id, person, version),) for version, person in due)


def lacking(ctx: Context, people: Sequence[Recipient], by_hand: Collection[Role] = ()) -> str:
    """The offices of ``OFFICES`` that no copy among ``people`` has reached yet, nor (an
    office with nobody registered) a printed copy handed to the office itself (``by_hand``,
    ``form_copies.offices_handed``), in words."""
    roles = [
        role
        for role in OFFICES
        if role not in by_hand and not any(p.arrived and role in p.offices for p in people)
    ]
    return join(ctx.language, [label_at_start(role, ctx.language) for role in roles])


def open_line(ctx: Context, people: Sequence[Recipient], by_hand: Collection[Role] = ()) -> str:
    """The first copy still open (Art. 6: each office must have it), naming the offices of
    ``OFFICES`` that no copy has reached yet (``lacking``)."""
    return ctx.t("views.form_copy_open", offices=lacking(ctx, people, by_hand))


def office_lines(
    ctx: Context,
    people: Sequence[Recipient],
    by_hand: Mapping[Role, datetime],
    present: Mapping[Role, Sequence[Staff]] | None = None,
) -> list[str]:
    """One line for each office of ``OFFICES`` none of ``people`` holds (nobody was
    registered there when the copy went, ``form_copies.unstaffed``): its printed copy handed
    over (when, ``by_hand``); else the people registered there since (``present``, from
    ``form_copies.newcomers``: read now), whom the next /deliver sends it to; else, with
    nobody there still, the copy to hand to the office itself."""
    found: list[str] = []
    for office in form_copies.unstaffed(people):
        where = label_at_start(office, ctx.language)
        if office in by_hand:
            at = card.stamp(ctx, by_hand[office])
            found.append(ctx.t("views.copy_office_handed", where=where, at=at))
        elif present and present.get(office):
            names = join(ctx.language, [p.name for p in present[office]])
            found.append(ctx.t("views.copy_office_since", where=where, names=names))
        else:
            found.append(ctx.t("views.copy_office_unstaffed", where=where))
    return found


async def office_state(ctx: Context, record: Record) -> list[str]:
    """``office_lines`` for every copy of the form of ``record`` (``form_copies.everyone``),
    the offices judged on the staff registered now (``form_copies.newcomers``)."""
    people = await form_copies.everyone(ctx.session, record)
    by_hand = await form_copies.offices_handed(ctx.session, record)
    present = await form_copies.newcomers(ctx.session, record, people)
    return office_lines(ctx, people, by_hand, present)


def office_buttons(
    ctx: Context, record_id: int, people: Sequence[Recipient], by_hand: Collection[Role]
) -> tuple[tuple[Button, ...], ...]:
    """A button for each office none of ``people`` holds whose printed copy is still to be
    handed over (``office_lines``): it confirms the copy was handed to that office
    (callback data ``ms:<record>:office:<role>``)."""
    return tuple(
        (
            Button(
                ctx.t("milestones.office_button", office=label_at_start(office, ctx.language)),
                f"ms:{record_id}:office:{office.value}",
            ),
        )
        for office in form_copies.unstaffed(people)
        if office not in by_hand
    )


def waiting(people: Sequence[Recipient]) -> list[Recipient]:
    """The recipients whose copy did not arrive (not sent yet, unreachable, or failed)."""
    return [p for p in people if not p.arrived]


def unreachable(people: Sequence[Recipient]) -> list[Recipient]:
    """The recipients a copy cannot reach by chat (no bound account, or disabled): to be
    handed over in print at once."""
    return [p for p in people if p.state is Arrival.UNREACHABLE]


async def held_before(ctx: Context, record: Record, version: int) -> dict[int, str]:
    """For copy ``version`` of ``record``'s form: each recipient's last copy of an earlier
    version that arrived, in words (the ``held`` of ``lines``)."""
    held: dict[int, str] = {}
    for earlier in range(1, version):
        for person in await form_copies.recipients(ctx.session, record, earlier):
            if person.arrived:
                held[person.staff_id] = ctx.t(
                    "views.copy_held",
                    version=earlier,
                    how=ctx.t(f"views.held_{person.state.value}"),
                    at=card.stamp(ctx, person.at),
                )
    return held


async def state_words(ctx: Context, record: Record, version: int = 1) -> str:
    """Where each recipient's copy ``version`` of ``record`` is at this moment, one line
    each (``lines``): the one source every message about the copies says it from."""
    people = await form_copies.recipients(ctx.session, record, version)
    later = await form_copies.latest(ctx.session, record)
    held = await held_before(ctx, record, version) if version > 1 else None
    return "\n".join(lines(ctx, people, version=version, later=later, held=held))
