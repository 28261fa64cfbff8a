"""The command line's help and usage errors in the catalog's words, every subcommand."""

from __future__ import annotations

import argparse
from collections.abc import Iterator

import pytest

from bot import cli
from handlers.i18n import t
from storage.vocabulary import Language

ARGPARSE_WORDS = ("usage:", "positional arguments", "options:", "show this help message")


def _parsers(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                yield from _parsers(child)


@pytest.mark.parametrize("language", list(Language))
def test_every_argument_of_every_command_is_explained_in_the_language(language: Language) -> None:
    parsers = list(_parsers(cli._parser(language)))
    assert len(parsers) > 20
    for parser in parsers:
        text = parser.format_help()
        assert text.startswith(t(language, "cli.help.usage")), parser.prog
        if language is Language.ZH:
            assert not [w for w in ARGPARSE_WORDS if w in text], (parser.prog, text)
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                assert all(choice.help for choice in action._choices_actions), parser.prog
            else:
                assert action.help, (parser.prog, action.dest)


def test_a_wrong_argument_is_named_in_the_default_language_with_status_2(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as stop:
        cli.main(["staff", "add", "--name", "张伟", "--role", "judge"])
    assert stop.value.code == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith(t(None, "cli.help.usage") + "guowen staff add")
    assert "guowen staff add：参数有误：" in err and "'judge'" in err


ENGLISH = ("argument ", "invalid choice", "choose from", "required", "unrecognized", "expected")


@pytest.mark.parametrize(
    "argv",
    [
        ["staff", "add", "--name", "张伟", "--role", "integrity"],  # not one of the choices
        ["staff", "bogus"],  # no such action
        [],  # the command left out
        ["staff", "add", "--name"],  # an option without its value
        ["report", "2026Q3", "--out"],
        ["--bogus"],  # not an option at all
        ["staff", "invite", "张伟", "--hours", "soon"],  # not a number
    ],
)
def test_argparse_s_own_words_about_a_wrong_argument_are_the_catalog_s(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """Chinese throughout: argparse's detail ("invalid choice: …") is said in the catalog's
    words too, the argument and the value named as typed."""
    with pytest.raises(SystemExit) as stop:
        cli.main(argv)
    assert stop.value.code == cli.EXIT_USAGE
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert "参数有误：" in last, last
    detail = last.split("参数有误：", 1)[1]
    assert not [w for w in ENGLISH if w in detail], last
    for typed in argv[-1:]:
        if typed not in ("--out", "--name", "--bogus") and argv[0] != "--bogus":
            assert typed in detail, (typed, last)
