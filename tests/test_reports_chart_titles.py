"""A chart's title is never cut: it shrinks, then wraps, and every character is drawn."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw

from reports import charts

TITLE = "温县人民法院外部领导干部干预过问案件情况统计（2026年第四季度）（草稿）"
WORDS = st.sampled_from(["统计", "（草稿）", "Q4 2026", " ", "outside leading cadres", "第四季度"])


def draw() -> ImageDraw.ImageDraw:
    return ImageDraw.Draw(Image.new("RGB", (10, 10)))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(WORDS, max_size=40).map("".join),
    st.sampled_from([(30, 1140, 48), (40, 1320, 56), (28, 620, 48)]),
)
def test_a_title_of_any_length_is_drawn_whole(title: str, room: tuple[int, int, int]) -> None:
    size, width, height = room
    pen = draw()
    layout = charts.title_layout(pen, title, size, width, height)
    assert layout.text == charts.shown(title)
    assert layout.size <= size
    for line in layout.lines:
        assert line.strip() == "" or charts.text_width(pen, line.rstrip(), layout.size) <= width
    fits = len(layout.lines) * round(layout.size * charts.LINE) <= height
    assert fits or layout.size == charts.SMALLEST
    if charts.text_width(pen, charts.shown(title), size) <= width:
        assert layout == charts.TitleLayout(size, (charts.shown(title),))


def test_the_quarter_end_title_keeps_its_draft_mark(tmp_path: Path) -> None:
    pen = draw()
    for size, width, height in ((40, 1320, 56), (30, 1140, 48)):
        layout = charts.title_layout(pen, TITLE, size, width, height)
        assert layout.text.endswith("（草稿）")
        assert "…" not in layout.text
    path = charts.headline_card(
        tmp_path / "card.png",
        title=TITLE,
        subtitle="",
        tiles=[("外部领导干部过问", "3")],
        left_title="按过问人单位类别（第十三条）",
        left=[("行政机关", 2.0)],
        right_title="各环节按期办理率",
        right=[("填表登记", 1.0)],
        footer="",
    )
    assert path.exists()
