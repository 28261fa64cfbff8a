"""Every command, button and step the bot knows, in the order /help lists them."""

from __future__ import annotations

from handlers import (
    access,
    alerts,
    amend,
    cosign,
    intake,
    milestones,
    outdated,
    reports_cmd,
    views,
)
from handlers.engine import Context, Registry


async def after_change(ctx: Context) -> None:
    """After a message that changed records: Art. 7's alerts (``alerts.follow_touched``),
    then whoever holds a report the change made out of date (``outdated.follow_touched``)."""
    await alerts.follow_touched(ctx)
    await outdated.follow_touched(ctx)


def default_registry() -> Registry:
    """The registry with every handler module's commands, buttons and steps."""
    registry = Registry()
    access.register(registry)
    intake.register(registry)
    views.register(registry)
    amend.register(registry)
    cosign.register(registry)
    milestones.register(registry)
    reports_cmd.register(registry)
    registry.after_change = after_change
    return registry
