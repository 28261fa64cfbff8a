"""Optional OCR prefill: read a forwarded screenshot's text and propose what it shows.

With ``[intake] ocr = true`` and the ``ocr`` extra installed (``rapidocr-onnxruntime``, whose
models ship in its wheel and which runs offline), the text of the picture that opens a draft
is read, and the case number, the inquirer's name and their unit are proposed when they can
be recognised. Proposals go through ``fields.proposal``: each is confirmed or corrected by the
judge, never stored unasked. The engine is this module's alone.

What the picture shows also tells how the inquiry came (``channels_in``): a WeChat chat's own
words (按住说话, 拍了拍, 撤回了一条消息), an SMS app's (短信, 彩信, iMessage), an e-mail's
headers (two of 发件人, 收件人, 抄送, 主题), a letter's words (公函, 来函, 此致, a 函〔…〕 number).

A case number is taken only when ``storage.casenumber`` accepts it, after the characters OCR
confuses in a court code or serial (O/o→0, l/I/|→1, Z→2, S→5, B→8, 〈〉 and 【】 for brackets)
are corrected; the name is the chat's title (the contact's name WeChat shows at the top);
the unit is a line ending in a unit's word (局, 委员会, 人民政府, 人大常委会...).
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from storage.casenumber import CaseNumber, CaseNumberError, parse_case_number
from storage.vocabulary import Channel

log = logging.getLogger(__name__)

ENGINE = "rapidocr_onnxruntime"


@dataclass(frozen=True)
class Reading:
    """What a picture shows: its text lines (top to bottom) and what they propose."""

    lines: tuple[str, ...]
    case_number: str | None
    inquirer_name: str | None
    inquirer_unit: str | None
    channels: frozenset[Channel] = frozenset()


def available() -> bool:
    """Is the optional OCR engine installed?"""
    try:
        importlib.import_module(ENGINE)
    except ImportError:
        return False
    return True


@cache
def _engine() -> Any:
    return importlib.import_module(ENGINE).RapidOCR()


def read_lines(image: bytes) -> tuple[str, ...]:
    """The text lines of ``image`` (PNG or JPEG bytes), top to bottom; blocking (seconds).

    Raises ``ImportError`` when the engine is not installed.
    """
    found, _ = _engine()(image)
    rows = sorted(found or [], key=lambda row: (row[0][0][1], row[0][0][0]))
    return tuple(str(row[1]).strip() for row in rows if str(row[1]).strip())


_LOOKALIKE = str.maketrans({"O": "0", "o": "0", "l": "1", "I": "1", "|": "1", "Z": "2"})
_LOOKALIKE_MORE = str.maketrans({"S": "5", "B": "8"})
_BRACKETS = str.maketrans({"〈": "（", "〉": "）", "【": "（", "】": "）", "[": "（", "]": "）"})
_CANDIDATE = re.compile(
    r"[（(〔]?\s*(?P<year>[12][0-9OoIl]{3})\s*年?\s*[）)〕]?\s*"
    r"(?P<body>[\u4e00-\u9fff][0-9OoIlZSB|]{2,4}[\u4e00-\u9fff]{1,4}"
    r"[0-9OoIlZSB|]{1,6})\s*[号導导]?"
)
_UNIT = re.compile(
    r"^[\u4e00-\u9fff（）()]{2,30}?(局|委员会|委|人民政府|政府|人大常委会|人大|政协|检察院|"
    r"办公室|办|厅|部|公司|集团|中心|协会|商会|大学|医院)$"
)
_NAME = re.compile(r"^[\u4e00-\u9fff]{2,4}$")


def case_number_in(lines: tuple[str, ...], *, year_now: int) -> str | None:
    """The first valid case number in ``lines``, look-alike characters corrected."""
    for line in lines:
        text = line.translate(_BRACKETS)
        for match in _CANDIDATE.finditer(text):
            year = match.group("year").translate(_LOOKALIKE)
            body = match.group("body").translate(_LOOKALIKE).translate(_LOOKALIKE_MORE)
            try:
                parsed = parse_case_number(f"（{year}）{body}号", year_now=year_now)
            except CaseNumberError:
                continue
            if isinstance(parsed, CaseNumber):
                return parsed.text
    return None


def unit_in(lines: tuple[str, ...], name: str | None) -> str | None:
    """A line that names a unit (a name after it, as in a signature, is cut off)."""
    for line in lines:
        text = line.replace(" ", "")
        if name and text.endswith(name) and len(text) > len(name):
            text = text[: -len(name)]
        if _UNIT.match(text):
            return text
    return None


CHANNEL_CUES: dict[Channel, tuple[int, tuple[str, ...]]] = {
    Channel.WECHAT: (1, ("微信", "wechat", "按住说话", "拍了拍", "撤回了一条消息", "语音通话")),
    Channel.SMS: (1, ("短信", "彩信", "sms", "imessage")),
    Channel.EMAIL: (2, ("发件人", "收件人", "抄送", "主题", "from:", "to:", "cc:", "subject:")),
    Channel.LETTER: (1, ("函", "来信", "信件", "此致")),
}
"""For each channel the words that show it in a picture or a text (the judge's caption
included: "人大办公室转来的函"), and how many of them must be found (an e-mail's headers come
together; one "收件人" may be anything's). "函" alone is a letter: 公函, 来函, 温政函〔2026〕3号,
"转来的函"."""


def channels_in(lines: tuple[str, ...] | list[str]) -> frozenset[Channel]:
    """The channels whose cues (``CHANNEL_CUES``) ``lines`` show, spaces and case ignored
    (OCR reads "按住 说话" as it likes); empty when none shows, several when they disagree
    (an SMS saying "加我微信")."""
    text = "".join(lines).replace(" ", "").replace("\u3000", "").casefold()
    return frozenset(
        channel
        for channel, (least, words) in CHANNEL_CUES.items()
        if sum(1 for word in words if word in text) >= least
    )


def propose(lines: tuple[str, ...], *, year_now: int) -> Reading:
    """What ``lines`` (a screenshot's text, top first) propose."""
    name = lines[0] if lines and _NAME.match(lines[0]) else None
    number = case_number_in(lines, year_now=year_now)
    return Reading(lines, number, name, unit_in(lines, name), channels_in(lines))


async def read(image: bytes, *, year_now: int) -> Reading | None:
    """Read ``image`` off the event loop; None when the engine is missing or fails (the
    intake then simply asks)."""
    try:
        lines = await asyncio.to_thread(read_lines, image)
    except ImportError:
        log.warning("[intake] ocr is on but %s is not installed", ENGINE)
        return None
    except Exception:
        log.exception("OCR failed; the intake asks instead")
        return None
    return propose(lines, year_now=year_now)
