"""The one loader of guowen's text catalogs, for every layer that has one.

A catalog is TOML in a package, one per language: either a folder of TOML files
(``handlers/locale/zh-CN/*.toml``, the chat's sentences) or one file
(``reports/locale/zh-CN.toml``, the documents' words; ``storage/locale/zh-CN.toml``, the
vocabulary's names). Tables are flattened into dotted keys (``[access] refused`` is
``access.refused``). It lives in ``storage``, the lowest layer that has words of its own, so
``reports`` and ``handlers`` above it load theirs the same way.
"""

from __future__ import annotations

import string
import tomllib
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any

from babel import Locale


class CatalogError(Exception):
    """A catalog that cannot be used: a key defined twice, or a value that is not text."""


def _flatten(prefix: str, table: dict[str, Any], out: dict[str, str], origin: str) -> None:
    for name, value in table.items():
        key = f"{prefix}{name}"
        if isinstance(value, dict):
            _flatten(f"{key}.", value, out, origin)
        elif isinstance(value, str):
            if key in out:
                raise CatalogError(f"{origin}: key {key} is defined twice")
            out[key] = value
        else:
            raise CatalogError(f"{origin}: key {key} is not a string")


def _read(entry: Traversable, messages: dict[str, str], origin: str) -> None:
    _flatten("", tomllib.loads(entry.read_text(encoding="utf-8")), messages, origin)


def _load(root: Traversable, language: str) -> dict[str, str]:
    messages: dict[str, str] = {}
    folder = root / language
    if folder.is_dir():
        for entry in sorted(folder.iterdir(), key=lambda item: item.name):
            if entry.name.endswith(".toml"):
                _read(entry, messages, f"{language}/{entry.name}")
    else:
        _read(root / f"{language}.toml", messages, f"{language}.toml")
    return messages


@cache
def load(
    package: str, languages: tuple[str, ...], folder: str = "locale"
) -> dict[str, dict[str, str]]:
    """The catalog of each of ``languages`` (their codes, ``zh-CN``, ``en``) in ``package``'s
    ``folder``: language -> key -> text, read once.

    Raises ``CatalogError`` for a key defined twice or a value that is not a string,
    ``FileNotFoundError`` for a language without its file or folder, and
    ``tomllib.TOMLDecodeError`` for a file that is not TOML.
    """
    root = files(package) / folder
    return {language: _load(root, language) for language in languages}


class Plurals(string.Formatter):
    """``str.format`` plus one choice: ``{count:one=file|other=files}`` is the word for
    ``count``'s plural category in the language (its code, ``zh-CN``, ``en``; CLDR's rules,
    through Babel), so a catalog writes "1 file" and "2 files" rather than "file(s)"."""

    def __init__(self, language: str) -> None:
        super().__init__()
        self.locale = Locale.parse(language, sep="-")

    def format_field(self, value: Any, format_spec: str) -> str:
        """A plural choice with ``category=word|...`` (``other`` for a value that is not an
        integer); else as ``format``."""
        if "|other=" in f"|{format_spec}":
            forms = dict(part.split("=", 1) for part in format_spec.split("|"))
            if not isinstance(value, int):
                return forms["other"]
            return forms.get(self.locale.plural_form(value), forms["other"])
        return str(super().format_field(value, format_spec))


@cache
def plurals(language: str) -> Plurals:
    """The plural-aware formatter of ``language`` (its code), made once."""
    return Plurals(language)


def fill(language: str, template: str, values: dict[str, object]) -> str:
    """``template`` filled with ``values``, a plural choice (``Plurals``) where it has one.
    Raises ``KeyError`` for a value the template needs and was not given."""
    if "|other=" in template:
        return plurals(language).format(template, **values)
    return template.format(**values)
