"""Every command, button and step the bot knows, in the order /help lists them."""

from __future__ import annotations

from handlers import access, alerts, amend, cosign, intake, milestones, reports_cmd, views
from handlers.engine import Registry


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
    registry.after_change = alerts.follow_touched
    return registry
