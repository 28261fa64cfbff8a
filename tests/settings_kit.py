"""The one place tests build ``Settings``: every harness and test module calls ``make_settings``.

The tests answer the intake question by question, so ``[intake] propose`` is off unless a
test asks for it (``guowen``'s own default is on); the evidence always lives under the test's
own folder, never ``./data``. Instances started as processes read the same choice from
``intake_toml``.
"""

from __future__ import annotations

from pathlib import Path

from bot.config import DEFAULT_PATH, Settings, defaults

PROPOSE = False
"""The tests' ``[intake] propose``: every question on its own, as the scripted judges answer."""


def make_settings(
    evidence_dir: Path | None = None,
    *,
    config: Path = DEFAULT_PATH,
    database_url: str = "",
    court_name: str | None = None,
    record_number: str | None = None,
    language: str | None = None,
    max_evidence_mb: int | None = None,
    propose: bool = PROPOSE,
) -> Settings:
    """``guowen``'s defaults (``bot.config.defaults(config)``) with what a test changes.

    ``evidence_dir``: the evidence folder (None keeps the default, for tests that store no
    file); ``database_url`` empty keeps the default; ``max_evidence_mb`` in MB of 10^6 bytes;
    ``propose`` on puts inferred answers as one confirmation.
    """
    settings = defaults(config)
    settings.intake.propose = propose
    if evidence_dir is not None:
        settings.storage.evidence_dir = str(evidence_dir)
    if database_url:
        settings.storage.database_url = database_url
    if court_name is not None:
        settings.court.name = court_name
    if record_number is not None:
        settings.court.record_number = record_number
    if language is not None:
        settings.court.language = language
    if max_evidence_mb is not None:
        settings.storage.max_evidence_mb = max_evidence_mb
    return settings


def intake_toml(propose: bool = PROPOSE) -> str:
    """The ``[intake]`` section of a config file, for an instance started as a process."""
    return f"[intake]\npropose = {'true' if propose else 'false'}\n"
