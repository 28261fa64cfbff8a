"""Lists joined as each language writes them (``storage.lists``, CLDR through Babel)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from handlers.i18n import join
from storage.lists import join_list, separator
from storage.vocabulary import Language

ITEM = st.text(min_size=1, max_size=8).filter(lambda s: "、" not in s and "," not in s)


def test_chinese_lists_use_the_enumeration_comma_alone_as_official_documents_do() -> None:
    # CLDR's full pattern would say 张三、李四和王五; GB/T 15834 enumerates with 顿号 only.
    assert join_list("zh-CN", ["张三", "李四", "王五"]) == "张三、李四、王五"
    assert join(Language.ZH, ["承办人", "庭长"]) == "承办人、庭长"


def test_english_lists_use_a_comma_and_no_and() -> None:
    assert join_list("en", ["handler", "leader", "admin"]) == "handler, leader, admin"
    assert join(Language.EN, ["handler"]) == "handler"
    assert join(Language.EN, []) == ""


def test_strong_lists_keep_the_catalog_semicolon() -> None:
    assert join(Language.ZH, ["甲，乙", "丙"], strong=True) == "甲，乙；丙"
    assert join(Language.EN, ["a, b", "c"], strong=True) == "a, b; c"


@given(st.sampled_from(list(Language)), st.lists(ITEM, max_size=6))
def test_every_item_comes_back_in_order_and_unchanged(language: Language, items: list[str]) -> None:
    joined = join(language, items)
    sep = separator(language.value)
    assert (joined.split(sep) if joined else []) == items
    assert joined == join_list(language.value, items)
