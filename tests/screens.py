"""Made WeChat-like screenshots for the OCR tests and benchmark (this module holds no tests).

Each is a phone screen rendered with WenQuanYi Zen Hei (fonts-wqy-zenhei): the contact's
name as the chat title, then message bubbles, one naming the sender's unit and one a case
number, and WeChat's input bar at the bottom ("按住 说话", which shows the channel); some are
small, grey or JPEG-compressed, as forwarded pictures are.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"


@dataclass(frozen=True)
class Screen:
    """What a screenshot shows, and how it is rendered (font size in pixels)."""

    name: str
    unit: str
    case_number: str
    message: str
    size: int = 28
    jpeg: int | None = None
    bubble: tuple[int, int, int] = (255, 255, 255)
    footer: str = "按住 说话"

    def render(self) -> bytes:
        """The screenshot as PNG (or JPEG at quality ``jpeg``) bytes, 540 × 960."""
        font = ImageFont.truetype(FONT, self.size)
        title = ImageFont.truetype(FONT, 30)
        image = Image.new("RGB", (540, 960), (237, 237, 237))
        draw = ImageDraw.Draw(image)
        draw.rectangle((0, 0, 540, 80), fill=(247, 247, 247))
        draw.text((270, 40), self.name, font=title, fill=(0, 0, 0), anchor="mm")
        top = 130
        for line in (self.unit, f"{self.case_number}这个案子", self.message):
            height = self.size + 30
            draw.rounded_rectangle((80, top, 520, top + height), 8, fill=self.bubble)
            draw.text((96, top + 15), line, font=font, fill=(20, 20, 20))
            top += height + 24
        draw.rectangle((0, 880, 540, 960), fill=(247, 247, 247))
        draw.text((270, 920), self.footer, font=title, fill=(0, 0, 0), anchor="mm")
        out = io.BytesIO()
        if self.jpeg:
            image.save(out, "JPEG", quality=self.jpeg)
        else:
            image.save(out, "PNG")
        return out.getvalue()


SCREENS: tuple[Screen, ...] = (
    Screen("王建国", "温县住房和城乡建设局", "（2026）豫0825民初123号", "请关照一下原告"),
    Screen("李明", "温县人民政府办公室", "（2025）豫0825民终56号", "这个案子抓紧办", size=22),
    Screen("赵德明", "焦作市人大常委会", "(2026)豫0825刑初7号", "家属找到我了", jpeg=40),
    Screen("孙伟", "温县公安局", "〔2026〕豫0825行初18号", "你们看着办", size=18),
    Screen(
        "周海",
        "温县财政局",
        "（2024）豫0825执301号",
        "尽快执行",
        bubble=(149, 236, 105),
    ),
    Screen("陈立", "温县自然资源局", "（2026）豫0825民初1024号", "请尽快立案", size=20, jpeg=55),
)
