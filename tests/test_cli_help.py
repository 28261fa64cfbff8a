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
