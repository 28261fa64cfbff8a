"""A cell's line count (``reports.paper.text_lines``) counted in whole half-widths is the
count of the reference, which sums the floats 1.1 and 2.2 token by token."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from reports.columns import COLUMNS
from reports.paper import NARROW, WIDE, _paragraph_lines, share_widths, text_lines


def reference(text: str, room: float) -> int:
    """The count as every paragraph is measured by :func:`reports.paper._paragraph_lines`."""
    if "\n" not in text and len(text) * WIDE <= room:
        return 1
    return sum(_paragraph_lines(part, max(room, 1.0)) for part in text.split("\n"))


# Full-width and half-width letters, digits, spaces of both widths, line breaks, characters
# beyond the tokens' range (full-width by count, grouped into words), and punctuation.
ALPHABET = [*"过问案件，。（）0123456789abcXYZ /.-\n\t", "\u3000", "\U00040000", "é", "—"]
WIDTHS = sorted({column.width for column in COLUMNS})
ROOMS = st.one_of(
    st.sampled_from(WIDTHS),
    st.integers(min_value=-2, max_value=120).map(float),
    # Rooms a sum of 1.1 and 2.2 reaches, or misses by a rounding error.
    st.integers(min_value=0, max_value=120).map(lambda n: n * NARROW),
    st.floats(min_value=0, max_value=200, allow_nan=False),
)


@given(
    st.one_of(
        st.text(alphabet=st.sampled_from(ALPHABET), max_size=300),
        st.text(alphabet=st.sampled_from([*ALPHABET[:6], "（", "）"]), max_size=120),
        st.text(max_size=80),
    ),
    ROOMS,
)
@example("字" * 60, 100)
@example("过问" * 11, 22 * WIDE)
@example("ab" * 5 + "过" * 5, 11 * NARROW + 10 * NARROW)
@example("", 0.5)
@example("\u3000" * 30, 10)
@example("0" * 64 + " 哈希值", 75)
def test_text_lines_counts_as_the_reference(text: str, room: float) -> None:
    assert text_lines(text, room) == reference(text, room)


@given(
    st.lists(st.tuples(st.floats(0.1, 10), st.floats(0, 8)), min_size=1, max_size=9),
    st.floats(1, 40),
)
def test_shared_widths_fill_the_table_and_hold_each_columns_least(
    columns: list[tuple[float, float]], width: float
) -> None:
    """The width rule both documents use: the widths fill the table; each column is at least
    its least where the leasts fit, else all are in proportion to them."""
    weights, least = [w for w, _ in columns], [m for _, m in columns]
    widths = share_widths(weights, least, width)
    assert abs(sum(widths) - width) < 1e-6 * max(width, 1)
    if sum(least) < width:
        assert all(w >= m - 1e-9 for w, m in zip(widths, least, strict=True))
    elif sum(least):
        assert all(
            abs(w - width * m / sum(least)) < 1e-9 for w, m in zip(widths, least, strict=True)
        )
