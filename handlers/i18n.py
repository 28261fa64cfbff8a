"""Message catalogs: every sentence a person reads comes from here.

Each language is a folder of TOML files under ``handlers/locale/``; their tables are flattened
into dotted keys (``[access] refused`` is ``access.refused``). A key may live in one file only,
and both languages must hold the same keys with the same placeholders: a test checks it.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any

from storage.vocabulary import Language

DEFAULT = Language.ZH


class CatalogError(Exception):
    pass


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


def _load(folder: Traversable) -> dict[str, str]:
    messages: dict[str, str] = {}
    for entry in sorted(folder.iterdir(), key=lambda item: item.name):
        if entry.name.endswith(".toml"):
            data = tomllib.loads(entry.read_text(encoding="utf-8"))
            _flatten("", data, messages, f"{folder.name}/{entry.name}")
    return messages


@cache
def catalogs() -> dict[Language, dict[str, str]]:
    root = files("handlers") / "locale"
    return {language: _load(root / language.value) for language in Language}


def t(language: Language | str | None, key: str, /, **values: object) -> str:
    """The message ``key`` in ``language`` (the default when unknown), filled with ``values``."""
    try:
        lang = Language(language) if language else DEFAULT
    except ValueError:
        lang = DEFAULT
    template = catalogs()[lang][key]
    if "\N{FULLWIDTH LEFT PARENTHESIS}{" in template:
        template = _single_brackets(template, values)
    return template.format(**values)


_ENCLOSED = re.compile("\N{FULLWIDTH LEFT PARENTHESIS}\\{(\\w+)\\}\N{FULLWIDTH RIGHT PARENTHESIS}")


def _single_brackets(template: str, values: dict[str, object]) -> str:
    """``（{x}）`` with a value that is already in brackets (``（未填）``, ``（已跳过）``) is
    written once: never ``（（未填））``."""

    def once(match: re.Match[str]) -> str:
        value = str(values.get(match[1], ""))
        left, right = "\N{FULLWIDTH LEFT PARENTHESIS}", "\N{FULLWIDTH RIGHT PARENTHESIS}"
        enclosed = value.startswith(left) and value.endswith(right) and value.count(left) == 1
        return "{" + match[1] + "}" if enclosed else match[0]

    return _ENCLOSED.sub(once, template)


def join(language: Language | str | None, items: Iterable[str], *, strong: bool = False) -> str:
    """A list as the language writes one: 甲、乙 / A, B; ``strong`` for items with commas."""
    key = "common.strong_separator" if strong else "common.separator"
    return t(language, key).join(items)


def parse_language(text: str) -> Language | None:
    """A language from what a person might type: zh, zh-CN, 中文, en, English."""
    aliases = {
        "zh": Language.ZH,
        "zh-cn": Language.ZH,
        "zh_cn": Language.ZH,
        "中文": Language.ZH,
        "简体中文": Language.ZH,
        "en": Language.EN,
        "english": Language.EN,
        "英文": Language.EN,
    }
    return aliases.get(text.strip().lower())
