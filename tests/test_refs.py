"""How a command's arguments split into the record they name and what follows it."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from handlers.refs import Ref, parse_ref, split_ref

DRAFT_NAMES = st.builds(
    lambda word, space, mark, gap, n: f"{word}{space}{mark}{gap}{n}",
    st.sampled_from(["", "草稿", "draft", "Draft"]),
    st.sampled_from(["", " ", "  "]),
    st.sampled_from(["#", "＃"]),
    st.sampled_from(["", " "]),
    st.integers(1, 10_000),
)
RECORD_NAMES = st.sampled_from(["4", "4号", "第4号", "温法过问〔2026〕4号"])
TAILS = st.text(alphabet="平台登记号-A1 ", max_size=12).map(str.strip)


@given(DRAFT_NAMES, TAILS)
def test_a_draft_named_with_a_space_stays_one_reference(name: str, tail: str) -> None:
    ref, rest = split_ref(f" {name} {tail}")
    assert (ref, rest) == (name.strip(), tail)
    assert parse_ref(ref).draft is not None


@given(RECORD_NAMES, TAILS)
def test_a_record_number_is_the_first_word(name: str, tail: str) -> None:
    assert split_ref(f"{name} {tail}") == (name, tail)
    assert parse_ref(name) != Ref()


def test_nothing_names_nothing() -> None:
    assert split_ref("") == ("", "")
    assert split_ref("   ") == ("", "")
