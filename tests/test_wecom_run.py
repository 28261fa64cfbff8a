"""``guowen run`` with ``[wecom] enabled``: as a process against the fake WeCom server, beside
Telegram in one process, and ``guowen staff add --wecom-userid``."""

from __future__ import annotations

import asyncio
import io
from datetime import timedelta
from pathlib import Path

import fake_wecom as fw
import pytest
from fake_botapi import add_telegram_person, fake_api, free_port, telegram_settings
from fake_botapi import quick_options as telegram_quick
from run_process import guowen_run, until
from settings_kit import make_settings
from test_cli_staff import config, guowen  # noqa: F401
from test_telegram_run import sent_texts
from wecom_kit import add_wecom_person, fake_wecom, quick_options, rendered

from bot import cli
from bot.config import Settings
from bot.runner import run
from bot.transports.wecom import GETTOKEN_REFUSALS, WeComUnavailable
from handlers.i18n import t
from reminders.clock import FakeClock
from storage import staff as staff_repo
from storage.db import Database
from storage.vocabulary import Language, Role


async def test_guowen_run_with_wecom_answers_as_a_judge_uses_it(
    db: Database, database_url: str, clock: FakeClock, tmp_path: Path
) -> None:
    await add_wecom_person(db, clock, "张伟", [Role.HANDLER], "zhangwei")
    async with fake_wecom(clock) as fake:
        listen = f"127.0.0.1:{free_port()}"
        config = tmp_path / "config.toml"
        config.write_text(
            f"""
[court]
name = "温县人民法院"

[storage]
database_url = "{database_url}"
evidence_dir = "{tmp_path / "evidence"}"

[http]
listen = "{listen}"

[wecom]
enabled = true
corp_id = "{fw.CORP_ID}"
agent_id = {fw.AGENT_ID}
token = "{fw.TOKEN}"
encoding_aes_key = "{fw.ENCODING_AES_KEY}"
api_base_url = "{fake.base_url}"
""",
            encoding="utf-8",
        )
        async with guowen_run(config, GUOWEN_WECOM_SECRET=fw.SECRET) as running:
            started = await running.first_line()
            assert started.startswith(
                f"guowen 正在运行：企业微信（应用 {fw.AGENT_ID}，回调地址 {listen}/wecom/callback）"
            )
            url = f"http://{listen}/wecom/callback"
            assert await fake.verify_url(url, "1234567") == (200, "1234567")

            whoami = fw.message_xml("zhangwei", "text", Content="/whoami")
            answer = await fake.post_callback(url, whoami)
            assert answer == (200, "")
            await until(lambda: any(t.startswith("姓名：张伟") for t in fake.texts("zhangwei")))
            await until(lambda: bool(fake.menus))
            assert await running.stop() == 0, running.err

    assert running.out.splitlines()[-1] == "已停止。"
    assert fw.SECRET not in running.err
    assert fake.calls[0].path == "gettoken"


def with_wecom(settings: Settings, fake: fw.FakeWeCom) -> None:
    """``settings`` with WeCom enabled against ``fake`` and the one HTTP server on a free port."""
    settings.http.listen = f"127.0.0.1:{free_port()}"
    section = settings.wecom
    section.enabled, section.corp_id, section.agent_id = True, fw.CORP_ID, fw.AGENT_ID
    section.secret = fw.SECRET  # type: ignore[assignment]
    section.token, section.encoding_aes_key = fw.TOKEN, fw.ENCODING_AES_KEY
    section.api_base_url = fake.base_url


async def test_telegram_and_wecom_run_in_one_process(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    async with fake_api() as api, fake_wecom(clock) as fake:
        zhang_tg = api.user(1001, "张伟")
        person = await add_telegram_person(db, clock, "张伟", [Role.HANDLER], zhang_tg)
        async with db.transaction() as session:
            await staff_repo.bind(
                session,
                person=person,
                transport="wecom",
                external_id="zhangwei",
                chat_id="zhangwei",
                display_name="张伟",
                at=clock.now(),
                via="cli",
            )
        settings = telegram_settings(api, tmp_path)
        with_wecom(settings, fake)
        stop = asyncio.Event()
        out = io.StringIO()
        running = asyncio.create_task(
            run(
                settings,
                db,
                clock,
                out,
                stop=stop,
                telegram_options=telegram_quick(api),
                wecom_options=quick_options(settings),
            )
        )
        await until(lambda: "运行" in out.getvalue())

        await zhang_tg.text("/whoami")
        await until(lambda: any(t.startswith("姓名：张伟") for t in sent_texts(api, 1001)))
        clock.advance(timedelta(minutes=5))
        url = f"http://{settings.http.listen}/wecom/callback"
        xml = fw.message_xml("zhangwei", "text", Content="/whoami")
        assert await fake.post_callback(url, xml) == (200, "")
        await until(lambda: any(rendered(s).startswith("姓名：张伟") for s in fake.delivered))
        stop.set()
        assert await running == 0

    started = out.getvalue().splitlines()[0]
    assert "Telegram（@guowen_test_bot，轮询方式）" in started
    assert "企业微信（应用 1000002" in started
    # Reminders go to the account the person used last: WeCom, five minutes after Telegram.
    async with db.transaction() as session:
        accounts = await staff_repo.identities_of(session, person.id)
        assert [a.transport for a in staff_repo.used_last(accounts)] == ["wecom"]


def test_staff_add_binds_a_wecom_userid_directly(
    config: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, lines = guowen(
        config,
        "staff",
        "add",
        "--name",
        "张伟",
        "--new-department",
        "--department",
        "民一庭",
        "--role",
        "handler",
        "--wecom-userid",
        "zhangwei",
    )
    assert status == 0
    assert (
        lines[-1] == "已为 张伟 绑定企业微信账号 zhangwei：无需邀请码，即可直接使用企业微信应用。"
    )

    again = cli.main(
        [
            "staff",
            "add",
            "--name",
            "李娜",
            "--new-department",
            "--department",
            "民一庭",
            "--role",
            "handler",
            "--wecom-userid",
            "zhangwei",
            "--config",
            str(config),
        ]
    )
    assert again == 2
    assert "已绑定到编号 1 的人员" in capsys.readouterr().err
    assert len(guowen(config, "staff", "list")[1]) == 2  # the header and 张伟: nobody added

    bad = [
        "staff",
        "add",
        "--name",
        "王五",
        "--new-department",
        "--department",
        "民一庭",
        "--role",
        "handler",
        "--wecom-userid",
        "张 三",
    ]
    assert cli.main([*bad, "--config", str(config)]) == 2


def test_a_bad_encoding_aes_key_is_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[storage]\nevidence_dir = "{tmp_path / "e"}"\n'
        '[wecom]\nenabled = true\ncorp_id = "c"\nsecret = "s"\ntoken = "t"\n'
        'encoding_aes_key = "k"\n',
        encoding="utf-8",
    )
    out = io.StringIO()
    # A file problem, named by its key before any network step (not "无法启动", which sends
    # the IT officer to the corp id, the secret and the trusted IPs).
    assert cli.main(["run", "--config", str(path)], out=out) == 2
    assert out.getvalue() == ""
    words = t(None, "config.bad_aes_key")
    assert capsys.readouterr().err == f"{path}: [wecom] encoding_aes_key: {words}\n"


@pytest.mark.parametrize(
    ("changed", "errcode", "key"),
    [("corp_id", 40013, "[wecom] corp_id"), ("secret", 40001, "[wecom] secret")],
)
async def test_a_refused_gettoken_names_the_key_to_check(
    db: Database, clock: FakeClock, tmp_path: Path, changed: str, errcode: int, key: str
) -> None:
    """Trial 11 F6: the start failure says which key WeCom refused, in the catalog's words
    (not the general advice around an English reason)."""
    async with fake_wecom(clock) as fake:
        settings = make_settings(tmp_path / "evidence", config=tmp_path / "config.toml")
        with_wecom(settings, fake)
        setattr(settings.wecom, changed, "wrong1234")
        out = io.StringIO()
        assert await run(settings, db, clock, out, wecom_options=quick_options(settings)) == 1
    words = t(None, "run.wecom_refused_key", errcode=errcode, key=key)
    assert out.getvalue() == words + "\n"
    assert "errcode" not in words and "gettoken" not in words


@pytest.mark.parametrize("errcode", [*GETTOKEN_REFUSALS, 40014, 0])
@pytest.mark.parametrize("language", list(Language))
def test_each_gettoken_refusal_has_its_own_words(
    tmp_path: Path, errcode: int, language: Language
) -> None:
    from bot.runner import _wecom_failure

    settings = make_settings(tmp_path / "evidence", language=language.value)
    error = WeComUnavailable(f"gettoken errcode {errcode}", errcode=errcode)
    words = _wecom_failure(settings, error)
    checked = GETTOKEN_REFUSALS.get(errcode)
    if checked == "trusted_ip":
        assert words == t(language, "run.wecom_refused_ip", errcode=errcode)
    elif checked:
        assert f"[wecom] {checked}" in words
        assert words == t(
            language, "run.wecom_refused_key", errcode=errcode, key=f"[wecom] {checked}"
        )
    else:
        assert words == t(language, "run.wecom_failed", reason=str(error))
