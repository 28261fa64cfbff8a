"""A record's handling department (承办部门) corrected: both departments' overseers told.

The handling department decides whose integrity officer oversees a record (Art. 10); a
correction of it, on a record with overdue steps above all, would otherwise move the record
out of its officer's sight unsaid. The integrity officers of the department it leaves and of
the one it goes to, and the discipline inspection office, are told (with the steps overdue
at the time), the audit chain keeps it (``DEPARTMENT_MOVED``), and the officer it leaves keeps
it in sight (``storage.records.former_departments``).
"""

from __future__ import annotations

from handlers import notify
from handlers.alerts import alert_sent
from handlers.engine import Context
from handlers.i18n import join
from reports.facts import State, timeliness_lines
from storage import staff as staff_repo
from storage.models import Department, Record, Staff
from storage.vocabulary import Role, label

DEPARTMENT_MOVED = "department_moved"
"""The ``alert`` of the ``ALERT_SENT`` audit event a corrected department is kept as."""


async def _name(ctx: Context, department_id: int | None) -> str:
    department = (
        await ctx.session.get(Department, department_id) if department_id is not None else None
    )
    return department.name if department is not None else ctx.t("common.none")


async def told(ctx: Context, old_id: int | None, new_id: int | None) -> list[Staff]:
    """The integrity officers of departments ``old_id`` and ``new_id``, then discipline."""
    departments = {old_id, new_id} - {None}
    officers = [
        person
        for person in await staff_repo.with_role(ctx.session, Role.INTEGRITY_OFFICER)
        if person.department_id in departments
    ]
    people = {p.id: p for p in [*officers, *await notify.with_roles(ctx, Role.DISCIPLINE)]}
    return list(people.values())


async def tell(ctx: Context, record: Record, old_id: int | None, *, title: str, why: str) -> None:
    """Tell those ``told`` gives that ``record`` (``title``) moved from department ``old_id``
    to its department now, with the reason ``why`` and the steps overdue now; audited."""
    missed = [
        line.milestone
        for line in timeliness_lines(record, ctx.services.rules, ctx.now)
        if line.state is State.MISSED
    ]
    old, new = await _name(ctx, old_id), await _name(ctx, record.department_id)
    people = await told(ctx, old_id, record.department_id)
    for person in people:
        ctx.speaking = notify.language_of(ctx, person)
        try:
            steps = join(ctx.language, (label(m, ctx.language) for m in missed))
            overdue = ctx.t("amend.department_overdue", steps=steps) if missed else ""
            values = {
                "handler": ctx.staff.name,
                "title": title,
                "old": old,
                "new": new,
                "reason": why,
                "overdue": overdue,
            }
        finally:
            ctx.speaking = None
        await notify.tell(ctx, [person], "amend.department_notice", values)
    ctx.reply(ctx.t("amend.department_told", old=old, new=new))
    await alert_sent(
        ctx,
        record,
        DEPARTMENT_MOVED,
        people,
        old=old_id,
        new=record.department_id,
        missed=[m.value for m in missed],
        reason=why,
    )
