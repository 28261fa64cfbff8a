"""The deployment files hold what docs/deploy.md promises: the systemd unit's hardening, the
image's unprivileged user, and a compose file that starts guowen with PostgreSQL after the
migration."""

from __future__ import annotations

import configparser
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
DOCS = DEPLOY.parent / "docs" / "deploy.md"


def unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # systemd keys keep case
    parser.read(DEPLOY / "guowen.service", encoding="utf-8")
    return parser


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    return loaded


def test_the_unit_runs_guowen_as_its_own_user_with_the_hardening() -> None:
    service = unit()["Service"]
    assert service["User"] == "guowen" and service["Group"] == "guowen"
    assert service["ExecStart"].split()[1:3] == ["run", "--config"]
    assert service["ExecStart"].split()[0].endswith("/guowen")
    assert service["ProtectSystem"] == "strict"
    assert service["PrivateTmp"] == "true"
    assert service["NoNewPrivileges"] == "true"
    assert service["ProtectHome"] == "true"
    assert service["CapabilityBoundingSet"] == ""
    # The one folder it writes is the court's folder, which holds the config it reads.
    config = Path(service["ExecStart"].split()[-1])
    assert service["ReadWritePaths"] == service["WorkingDirectory"] == str(config.parent)
    assert service["KillSignal"] == "SIGTERM" and int(service["TimeoutStopSec"]) >= 30
    assert unit()["Install"]["WantedBy"] == "multi-user.target"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze here")
def test_systemd_accepts_the_unit() -> None:
    done = subprocess.run(
        ["systemd-analyze", "verify", str(DEPLOY / "guowen.service")],
        capture_output=True,
        text=True,
        check=False,
    )
    # Only the program's absence (not installed on this machine) may be reported.
    problems = [
        line
        for line in (done.stdout + done.stderr).splitlines()
        if line.strip() and "is not executable" not in line
    ]
    assert problems == []


def test_compose_starts_guowen_with_postgresql_after_the_migration() -> None:
    services = compose()["services"]
    assert set(services) >= {"postgres", "migrate", "guowen"}
    assert services["postgres"]["image"].split("/")[-1].startswith("postgres:")
    assert "healthcheck" in services["postgres"]
    assert services["migrate"]["command"][:2] == ["db", "upgrade"]
    bot = services["guowen"]
    assert bot["command"][0] == "run"
    assert bot["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert bot["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert bot["stop_signal"] == "SIGTERM"
    assert "no-new-privileges:true" in bot["security_opt"]
    assert bot["cap_drop"] == ["ALL"] and bot["read_only"] is True
    assert any(volume.endswith(":/srv/guowen") for volume in bot["volumes"])
    assert "pgdata" in compose()["volumes"]


def test_the_image_runs_unprivileged_and_checks_its_health() -> None:
    lines = (DEPLOY / "Containerfile").read_text(encoding="utf-8").splitlines()
    assert "USER guowen" in lines
    assert any(line.startswith("HEALTHCHECK") for line in lines)
    assert 'ENTRYPOINT ["guowen"]' in lines
    build = compose()["services"]["migrate"]["build"]
    assert (DEPLOY / build["context"] / build["dockerfile"]).resolve() == (
        DEPLOY / "Containerfile"
    ).resolve()


def test_the_deploy_page_covers_what_a_court_needs() -> None:
    text = DOCS.read_text(encoding="utf-8")
    for heading in (
        "Install",
        "Configure",
        "first admin",
        "Backups",
        "restore drill",
        "Upgrade",
        "Rotating secrets",
        "What to watch",
    ):
        assert heading in text, heading
    for metric in ("guowen_reminders_overdue", "guowen_verify_ok", "/healthz"):
        assert metric in text
