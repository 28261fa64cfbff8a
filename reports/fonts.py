"""Fonts for the documents: a fallback chain, chosen per character, and a visible placeholder.

Names with rare characters are common (人名用字 outside the Basic Multilingual Plane, such as
``𠮷`` U+20BB7 or ``𡈼`` U+2123C); no single font has them all. So the documents use a chain of
fonts and draw each character with the first font whose character map (``cmap``, read with
fontTools) holds it:

1. the configured ``[reports] font_path``, if any;
2. a TrueType CJK font for the body: WenQuanYi Zen Hei of Debian's ``fonts-wqy-zenhei`` (what
   CI installs), or another of ``CANDIDATES``;
3. CJK Extension A to G fonts: HanaMinA / HanaMinB of Debian's ``fonts-hanazono``, or Windows'
   SimSun-ExtB (``simsunb.ttf``).

reportlab embeds TrueType-outline fonts only (TTF, or a TTC by subfont index); the OpenType/CFF
Noto CJK fonts are refused by it and are used for the PNG charts only (Pillow draws them).

A character no font of the chain has is never dropped: PDF and PNG show ``[U+20BB7]`` in its
place (:func:`placeholder`), and :meth:`Fonts.missing` names such characters so that the sender
is told. Without any TrueType CJK font, PDFs fall back to reportlab's built-in ``STSong-Light``
CID font (drawn by the reader, not embedded; it covers the Basic Multilingual Plane's GB
characters only, so every character beyond it gets the placeholder), and a warning is logged.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

log = logging.getLogger(__name__)

# TrueType-outline CJK fonts for the body text, best first: Debian package paths, then common
# other systems. Every one found joins the chain, in this order.
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
# Fonts for the CJK Extension blocks (rare name characters), tried after the body fonts.
EXTENSION_CANDIDATES: tuple[str, ...] = (
    "/usr/share/fonts/truetype/hanazono/HanaMinA.ttf",
    "/usr/share/fonts/truetype/hanazono/HanaMinB.ttf",
    "C:/Windows/Fonts/simsunb.ttf",
)
# Fonts only Pillow can draw (CFF outlines); used for the PNG charts after the chain.
PILLOW_ONLY: tuple[str, ...] = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
)

PDF_FONT = "GuowenCJK"
FALLBACK_CID = "STSong-Light"
# Names written into DOCX and XLSX files: the fonts of a Chinese court PC (Windows), each with
# its fallback, by their English family names (Word and WPS match a font by either name).
# GB/T 9704: title in 方正小标宋简体 (FZXiaoBiaoSong-B05S), else 黑体 (SimHei); body in
# 仿宋_GB2312 (FangSong_GB2312), else 仿宋 (FangSong, in Windows since Vista); headings in 黑体.
# SimSun-ExtB (Windows) holds CJK Extension B.
DOCX_FONT = "SimSun"
TITLE_FONT = "FZXiaoBiaoSong-B05S"
TITLE_FALLBACK = "SimHei"
BODY_FONT = "FangSong_GB2312"
BODY_FALLBACK = "FangSong"
HEADING_FONT = "SimHei"
EXTENSION_FONT = "SimSun-ExtB"
# Characters that are layout, not glyphs: never a placeholder.
LAYOUT = frozenset("\n\r\t")


def placeholder(char: str) -> str:
    """What a document shows for a character no font has: ``[U+20BB7]``."""
    return f"[U+{ord(char):04X}]"


def beyond_bmp(char: str) -> bool:
    """True for a character outside the Basic Multilingual Plane (CJK Extension B and on)."""
    return ord(char) > 0xFFFF


@dataclass(frozen=True)
class Face:
    """One font of the chain: its file, subfont index, reportlab name (None if reportlab
    cannot embed it) and the code points its ``cmap`` maps."""

    path: Path
    index: int
    pdf_name: str | None
    codepoints: frozenset[int] = field(repr=False)

    def has(self, char: str) -> bool:
        """Whether this font's ``cmap`` maps ``char`` (a single character)."""
        return ord(char) in self.codepoints


@dataclass(frozen=True)
class Fonts:
    """The chain chosen for this process (see the module's text)."""

    pdf: str
    """The reportlab name of the first font: the body text's."""
    path: Path | None
    """The first font's file, embedded in PDFs and drawn by Pillow; None for the CID font."""
    embedded: bool
    faces: tuple[Face, ...] = ()
    """Every font, in order; PDFs use those with a ``pdf_name``, Pillow all of them."""

    def face_for(self, char: str, *, pdf: bool = True) -> Face | None:
        """The first font holding ``char`` (for a PDF, one reportlab embeds); None if none."""
        for face in self.faces:
            if (face.pdf_name or not pdf) and face.has(char):
                return face
        return None

    def drawable(self, char: str, *, pdf: bool = True) -> bool:
        """Whether ``char`` is drawn as itself (layout characters always are)."""
        if char in LAYOUT:
            return True
        if not self.embedded and pdf:
            return not beyond_bmp(char)
        return self.face_for(char, pdf=pdf) is not None

    def runs(self, text: str, *, pdf: bool = True) -> list[tuple[Face | None, str]]:
        """``text`` cut into runs of one font each; a character no font has becomes its
        :func:`placeholder`, in the first font (``None`` stands for it, and for the CID font).
        """
        out: list[tuple[Face | None, str]] = []
        first = self.faces[0] if self.faces and self.embedded else None
        for char in text:
            if char in LAYOUT:
                face, piece = (out[-1][0] if out else first), char
            elif not self.drawable(char, pdf=pdf):
                face, piece = first, placeholder(char)
            elif not self.embedded and pdf:
                face, piece = None, char
            else:
                face, piece = self.face_for(char, pdf=pdf), char
            if out and out[-1][0] is face:
                out[-1] = (face, out[-1][1] + piece)
            else:
                out.append((face, piece))
        return out

    def missing(self, texts: Sequence[str], *, pdf: bool = True) -> list[str]:
        """The characters of ``texts`` no font has, once each, in order of first appearance."""
        seen: dict[str, None] = {}
        for text in texts:
            for char in text:
                if char not in seen and not self.drawable(char, pdf=pdf):
                    seen[char] = None
        return list(seen)


_lock = threading.Lock()
_configured: Path | None = None
_chosen: Fonts | None = None
_drawing: Fonts | None = None


def configure(path: str | Path | None) -> None:
    """Put the font at ``path`` (the ``[reports] font_path`` setting) first; empty for none."""
    global _configured, _chosen, _drawing
    with _lock:
        _configured = Path(path) if path else None
        _chosen = _drawing = None


def codepoints(path: Path, index: int = 0) -> frozenset[int] | None:
    """The code points of the font's best ``cmap`` (fontTools); None if it cannot be read.

    Read once per process for each font file as it is (its path, size and modification
    time): the fonts are chosen again after ``configure``, and pictures and PDFs each choose."""
    try:
        stat = path.stat()
    except OSError as error:
        log.info("font %s cannot be read: %s", path, error)
        return None
    return _codepoints(path, index, stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=32)
def _codepoints(path: Path, index: int, size: int, mtime_ns: int) -> frozenset[int] | None:
    from fontTools.ttLib import TTFont as ToolsFont  # imported on use, not at start
    from fontTools.ttLib import TTLibError

    try:
        with ToolsFont(str(path), fontNumber=index, lazy=True) as font:
            # Glyphs by number: only the code points are kept, and a font without glyph names
            # would otherwise have them made up from its cmap, which reads it twice.
            font.setGlyphOrder([f"glyph{n:05d}" for n in range(font["maxp"].numGlyphs)])
            cmap = font.getBestCmap()
    except (TTLibError, OSError, AssertionError, KeyError) as error:
        log.info("font %s cannot be read: %s", path, error)
        return None
    return frozenset(cmap) if cmap else None


def _register(name: str, path: Path) -> bool:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    try:
        font = TTFont(name, str(path), subfontIndex=0)
    except (TTFError, OSError) as error:
        log.info("font %s cannot be embedded in a PDF: %s", path, error)
        return False
    pdfmetrics.registerFont(font)
    return True


def _builtin(faces: list[Face]) -> Fonts:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_CID))
    log.warning(
        "no TrueType CJK font found (install fonts-wqy-zenhei or set [reports] font_path): "
        "PDFs use the built-in %s font, which is not embedded",
        FALLBACK_CID,
    )
    pillow = faces[0].path if faces else None
    return Fonts(FALLBACK_CID, pillow, embedded=False, faces=tuple(faces))


def _choose(*, pdf: bool = True) -> Fonts:
    """The chain; ``pdf``: each font registered with reportlab (which parses the whole file,
    seconds and tens of MiB for an Extension B font), else only read for its ``cmap``."""
    paths: list[Path] = [_configured] if _configured else []
    paths += [Path(p) for p in CANDIDATES]
    paths += [Path(p) for p in EXTENSION_CANDIDATES]
    faces: list[Face] = []
    seen: set[Path] = set()
    for path in paths:
        if path in seen or not path.is_file():
            continue
        seen.add(path)
        points = codepoints(path)
        if points is None:
            continue
        name = PDF_FONT if not faces else f"{PDF_FONT}{len(faces)}"
        if pdf and not _register(name, path):
            continue
        faces.append(Face(path, 0, name if pdf else None, points))
    if not pdf:
        pillow_only = [Face(p, 0, None, pts) for p, pts in _pillow_only()]
        first = faces[0].path if faces else (pillow_only[0].path if pillow_only else None)
        return Fonts(PDF_FONT, first, bool(faces or pillow_only), (*faces, *pillow_only))
    if _configured is not None and (not faces or faces[0].path != _configured):
        log.warning("configured font %s is missing or has no TrueType outlines", _configured)
    pillow_only = [Face(path, 0, None, points) for path, points in _pillow_only()]
    if not faces:
        return _builtin(pillow_only)
    if not any(beyond_bmp(chr(point)) for face in faces for point in face.codepoints):
        log.warning(
            "no font for CJK Extension B found (install fonts-hanazono): rare name characters "
            "print as [U+XXXXX]"
        )
    return Fonts(faces[0].pdf_name or PDF_FONT, faces[0].path, True, (*faces, *pillow_only))


def fonts() -> Fonts:
    """The fonts for this process, chosen once (thread-safe: documents are built in threads)."""
    global _chosen
    with _lock:
        if _chosen is None:
            _chosen = _choose()
        return _chosen


def drawing_fonts() -> Fonts:
    """The same chain for pictures only (Pillow draws any font of it): no font is registered
    with reportlab, so a report with no PDF does not pay for parsing them (thread-safe)."""
    global _drawing
    with _lock:
        if _drawing is None:
            _drawing = _chosen or _choose(pdf=False)
        return _drawing


def _pillow_only() -> list[tuple[Path, frozenset[int]]]:
    found = []
    for path in (Path(p) for p in PILLOW_ONLY):
        points = codepoints(path) if path.is_file() else None
        if points is not None:
            found.append((path, points))
    return found
