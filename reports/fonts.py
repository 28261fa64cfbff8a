"""A Chinese font for the documents: embedded when one is installed, built in otherwise.

reportlab embeds TrueType-outline fonts only (TTF, or a TTC by subfont index); the OpenType/CFF
Noto CJK fonts that many systems carry are refused by it, so the search prefers the
WenQuanYi Zen Hei of Debian's ``fonts-wqy-zenhei`` (what CI installs), then other TrueType CJK
fonts. A configured path wins over the search. Without any, PDFs use reportlab's built-in
``STSong-Light`` CID font, which PDF readers draw from their own fonts (not embedded), and a
warning is logged once. Pillow (the PNG charts) draws with the same font file, and with the
CFF fonts too.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

# TrueType-outline CJK fonts, best first: Debian package paths, then common other systems.
CANDIDATES: tuple[str, ...] = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/wenquanyi/wqy-zenhei/wqy-zenhei.ttc",
    "/usr/share/fonts/wqy-zenhei/wqy-zenhei.ttc",
    "C:/Windows/Fonts/simhei.ttf",
    "C:/Windows/Fonts/simsun.ttc",
    "/Library/Fonts/Arial Unicode.ttf",
)
# Fonts only Pillow can draw (CFF outlines); used for the PNG charts when nothing else is.
PILLOW_ONLY: tuple[str, ...] = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
)

PDF_FONT = "GuowenCJK"
FALLBACK_CID = "STSong-Light"
DOCX_FONT = "SimSun"


@dataclass(frozen=True)
class Fonts:
    pdf: str
    """The reportlab font name to use."""
    path: Path | None
    """The font file embedded in PDFs and drawn by Pillow; None for the built-in CID font."""
    embedded: bool


_lock = threading.Lock()
_configured: Path | None = None
_chosen: Fonts | None = None


def configure(path: str | Path | None) -> None:
    """Use the font at ``path`` (the ``[reports] font_path`` setting); empty for the search."""
    global _configured, _chosen
    with _lock:
        _configured = Path(path) if path else None
        _chosen = None


def _try_truetype(path: Path) -> bool:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    try:
        font = TTFont(PDF_FONT, str(path), subfontIndex=0)
    except (TTFError, OSError) as error:
        log.info("font %s cannot be embedded in a PDF: %s", path, error)
        return False
    pdfmetrics.registerFont(font)
    return True


def _builtin() -> Fonts:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_CID))
    pillow = next((Path(p) for p in PILLOW_ONLY if Path(p).is_file()), None)
    log.warning(
        "no TrueType CJK font found (install fonts-wqy-zenhei or set [reports] font_path): "
        "PDFs use the built-in %s font, which is not embedded",
        FALLBACK_CID,
    )
    return Fonts(FALLBACK_CID, pillow, embedded=False)


def fonts() -> Fonts:
    """The fonts for this process, chosen once (thread-safe: documents are built in threads)."""
    global _chosen
    with _lock:
        if _chosen is not None:
            return _chosen
        candidates = [_configured] if _configured else []
        candidates += [Path(p) for p in CANDIDATES]
        found = next((p for p in candidates if p.is_file() and _try_truetype(p)), None)
        if _configured is not None and found != _configured:
            log.warning("configured font %s is missing or has no TrueType outlines", _configured)
        _chosen = Fonts(PDF_FONT, found, embedded=True) if found else _builtin()
        return _chosen
