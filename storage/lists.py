"""Lists as each language writes them, from CLDR (through Babel).

An enumeration in a card line, a report sentence or a CLI message is joined with CLDR's
``standard`` list pattern for the middle of a list, between every two items: ``甲、乙、丙``
in Chinese, ``A, B, C`` in English. CLDR's full pattern (``babel.lists.format_list``) puts
和 / "and" before the last item (``甲、乙和丙``); Chinese official documents enumerate
coordinate items with the 顿号 alone (GB/T 15834-2011 标点符号用法, 4.5: 顿号 between
coordinate words, as in ``在场人员：张三、李四、王五``), and the record card and the forms list
people, roles and units in that style, so the middle pattern is used throughout.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from babel import Locale


@cache
def separator(language: str) -> str:
    """The separator between two items of a list in ``language`` (a tag such as ``zh-CN``).

    Raises ``babel.core.UnknownLocaleError`` for a tag CLDR does not know.
    """
    middle: str = Locale.parse(language, sep="-").list_patterns["standard"]["middle"]
    return middle.format("", "")


def join_list(language: str, items: Iterable[str]) -> str:
    """``items`` as one list in ``language``: ``甲、乙、丙`` / ``A, B, C``; ``""`` for none.

    One item or none needs no separator, so the language's CLDR data (some MiB, read by Babel
    on first use) is not read for it: ``guowen run``'s ready line names one transport.
    """
    listed = list(items)
    if len(listed) < 2:
        return "".join(listed)
    return separator(language).join(listed)
