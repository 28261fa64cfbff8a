"""Numbers that a person types or a button carries: one parser, one range, no surprises.

``str.isdigit()`` says yes to ``²`` and ``①`` (which ``int()`` then refuses), ``int()`` takes
Arabic-Indic digits, signs, spaces and underscores, and a number of any length, which the
database then refuses (PostgreSQL's ``integer`` holds up to 2^31 - 1; SQLite fails at 2^63).
Every number from outside goes through ``parse_int``, so a bad one is simply "no number" and
the caller gives its ordinary answer ("not found", "bad period"), never a traceback.
"""

from __future__ import annotations

# The largest value of the ``Integer`` columns (ids, sequence numbers) on PostgreSQL (int4).
DB_INT_MAX = 2**31 - 1
# A number longer than this is out of every range here; it is refused before ``int()``.
_MAX_DIGITS = 12
# Chinese phone keyboards in full-width mode send these; they mean the ASCII digits.
_FULL_WIDTH = str.maketrans("０１２３４５６７８９", "0123456789")


def parse_int(text: str, *, low: int = 0, high: int = DB_INT_MAX) -> int | None:
    """``text`` as a whole number in ``[low, high]``, or None.

    Accepted: ASCII digits ``0-9`` and full-width digits ``０-９``, with surrounding
    whitespace. Refused (None): anything else in the text (signs, ``²``, ``①``, other
    scripts' digits, inner spaces, underscores, decimal points), and any value out of range.
    """
    cleaned = text.strip().translate(_FULL_WIDTH)
    if not cleaned or len(cleaned) > _MAX_DIGITS or not cleaned.isascii():
        return None
    if not cleaned.isdigit():
        return None
    value = int(cleaned)
    return value if low <= value <= high else None


def parse_id(text: str) -> int | None:
    """A row id as typed or carried by a button (``12``, ``#12``, ``＃１２``): 1 .. 2^31 - 1."""
    cleaned = text.strip()
    if cleaned[:1] in ("#", "＃"):
        cleaned = cleaned[1:]
    return parse_int(cleaned, low=1)
