"""Who may use the bot and what they see: /start, /whoami, /help, /language, /cancel, and
the admin's /staff and /invite."""

from __future__ import annotations

from handlers.engine import Context, Registry, UserError
from handlers.i18n import join, parse_language
from handlers.people import account_words
from handlers.ports import Button
from handlers.state import END, Next, StepName
from handlers.views import to_confirm
from storage import audit
from storage import staff as staff_repo
from storage.audit import AuditKind
from storage.staff import StaffError
from storage.vocabulary import Language, Role, known_roles, label

INVITE_WHO = StepName.INVITE_WHO


def join_names(names: list[str], language: Language) -> str:
    """Join ``names`` as one phrase in ``language`` (``handlers.i18n.join``); ``""`` for none."""
    return join(language, names)


def roles_text(ctx: Context) -> str:
    """The sender's known roles as one translated phrase (unknown role strings are left out)."""
    return join_names([label(role, ctx.language) for role in known_roles(ctx.roles)], ctx.language)


async def start(ctx: Context, args: str) -> None:
    """/start from an already bound account: greet the person by name.

    Binding a new account goes through an invitation code before the engine reaches here.
    """
    ctx.reply(ctx.t("access.already_bound", name=ctx.staff.name))


async def whoami(ctx: Context, args: str) -> None:
    """/whoami: name, staff id, department, roles, transport and language of the sender."""
    department = ctx.staff.department.name if ctx.staff.department else ctx.t("common.none")
    ctx.reply(
        ctx.t(
            "access.whoami",
            name=ctx.staff.name,
            id=ctx.staff.id,
            department=department,
            roles=roles_text(ctx) or ctx.t("common.none"),
            transport=ctx.identity.transport,
            language=ctx.t(f"language.{ctx.language.value}"),
        )
    )


def help_text(ctx: Context, registry: Registry) -> str:
    """The /help text: one line per command the sender's roles allow, in registration order."""
    lines = [ctx.t("help.title")]
    lines += [
        f"/{command.name} — {ctx.t(command.help_key)}" for command in registry.visible(ctx.roles)
    ]
    return "\n".join(lines)


def language_buttons(ctx: Context) -> tuple[tuple[Button, ...], ...]:
    """One row of buttons, one per catalog language; a press carries ``lang:<code>``."""
    return (
        tuple(Button(ctx.t(f"language.{lang.value}"), f"lang:{lang.value}") for lang in Language),
    )


async def set_language(ctx: Context, value: str) -> None:
    """Set the sender's language from ``value`` (a ``Language`` code or name) and audit it.

    Raises ``UserError`` (``language.unknown``) for a value that names no catalog language.
    """
    chosen = parse_language(value)
    if chosen is None:
        raise UserError("language.unknown", value=value)
    ctx.staff.language = chosen
    await audit.append(
        ctx.session,
        AuditKind.LANGUAGE_SET,
        at=ctx.now,
        actor_staff_id=ctx.staff.id,
        actor=ctx.staff.name,
        subject=f"staff:{ctx.staff.id}",
        payload={"language": chosen.value},
    )
    ctx.reply(ctx.t("language.set"))


async def language(ctx: Context, args: str) -> None:
    """/language [code]: switch at once when a code is given, otherwise offer the buttons."""
    if args:
        await set_language(ctx, args)
    else:
        ctx.reply(ctx.t("language.choose"), language_buttons(ctx))


async def cancel(ctx: Context, args: str) -> Next:
    """/cancel: close the open dialogue, if there is one. With none, it says so, and shows
    the cards that still wait for this person's press (Art. 3 confirmations): /cancel does
    not answer them, and their buttons stay good."""
    state = await ctx.state()
    if state.step is None:
        lines, buttons = await to_confirm(ctx)
        text = ctx.t("common.nothing_to_cancel")
        if lines:
            text = "\n".join([text, ctx.t("common.nothing_waiting"), *lines])
        ctx.reply(text, tuple(buttons))
        return None
    ctx.reply(ctx.t("common.cancelled"))
    return END


async def staff_list(ctx: Context, args: str) -> None:
    """/staff (admin): every staff member with department, roles and whether active."""
    people = await staff_repo.list_staff(ctx.session)
    lines = [ctx.t("staff.list_title", count=len(people))]
    for person in people:
        roles = [label(role, ctx.language) for role in known_roles(person.roles)]
        lines.append(
            ctx.t(
                "staff.list_row",
                id=person.id,
                name=person.name,
                department=person.department.name if person.department else "-",
                roles=join_names(roles, ctx.language) or "-",
                state=ctx.t("staff.active" if person.active else "staff.disabled"),
            )
        )
    ctx.reply("\n".join(lines))


async def _issue(ctx: Context, ref: str) -> Next:
    try:
        person = await staff_repo.find_staff(ctx.session, ref)
        issued = await staff_repo.issue_invite(
            ctx.session,
            person,
            at=ctx.now,
            valid_for=ctx.services.invite_valid_for,
            actor=ctx.staff.name,
            actor_staff_id=ctx.staff.id,
        )
    except StaffError as problem:
        raise UserError(f"staff.{problem.problem.value}", ref=problem.ref) from None
    warning = ""
    if issued.bound:  # a second account reads what this person reads: say so first
        accounts = join_names([account_words(ctx.language, a) for a in issued.bound], ctx.language)
        count = len(issued.bound)
        warning = ctx.t(
            "staff.invite_already_bound", name=person.name, count=count, accounts=accounts
        )
        warning += "\n"
    ctx.reply(
        warning
        + ctx.t(
            "staff.invite_issued",
            name=person.name,
            expires=ctx.local(issued.expires_at).strftime("%Y-%m-%d %H:%M"),
            code=issued.code,
        )
    )
    return END


async def invite(ctx: Context, args: str) -> Next:
    """/invite [name] (admin): issue an invitation code, asking for the name when none is given."""
    if args:
        return await _issue(ctx, args)
    (await ctx.state()).fresh()
    ctx.reply(ctx.t("staff.invite_who"))
    return INVITE_WHO


async def invite_who(ctx: Context, text: str) -> Next:
    """The invitee's name typed after /invite; raises ``UserError`` when the text is empty."""
    if not text:
        raise UserError("staff.invite_who")
    return await _issue(ctx, text)


async def invite_cancel(ctx: Context, args: str) -> Next:
    """/cancel at the invitee's name: no code is issued."""
    ctx.reply(ctx.t("staff.invite_cancelled"))
    return END


async def invite_back(ctx: Context, args: str) -> None:
    """/back at the invitee's name, the dialogue's one question: it is asked again."""
    ctx.reply(ctx.t("intake.error.no_back") + "\n\n" + ctx.t("staff.invite_who"))


async def fallback(ctx: Context, text: str) -> None:
    """Free text outside any dialogue: point the sender to /help, or, when records await
    their confirmation (Art. 3), to those records' buttons: a typed 确认 or 同意 signs
    nothing, and the sender is told so with the buttons that do."""
    lines, buttons = await to_confirm(ctx)
    if lines:
        hint = ctx.t("help.hint_to_confirm", name=ctx.staff.name)
        ctx.reply("\n".join([hint, *lines]), tuple(buttons))
        return
    ctx.reply(ctx.t("help.hint", name=ctx.staff.name))


def register(registry: Registry) -> None:
    """Register /start, /help, /whoami, /language, /cancel, /staff, /invite and their steps."""

    async def show_help(ctx: Context, args: str) -> None:
        ctx.reply(help_text(ctx, registry))

    registry.command("start", start, "help.start", hidden=True)
    registry.command("help", show_help, "help.help")
    registry.command("whoami", whoami, "help.whoami")
    registry.command("language", language, "help.language")
    registry.command("cancel", cancel, "help.cancel")
    registry.command("staff", staff_list, "help.staff", {Role.ADMIN})
    registry.command("invite", invite, "help.invite", {Role.ADMIN})
    registry.callbacks["lang"] = set_language
    registry.steps[INVITE_WHO] = invite_who
    registry.backs[INVITE_WHO] = invite_back
    registry.cancels[INVITE_WHO] = invite_cancel
    registry.fallback = fallback
