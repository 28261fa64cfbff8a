"""Quarters: every record falls into the quarter of its receipt time, in the court's zone."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

_LABEL = re.compile(r"^(\d{4})\s*[Qq]\s*([1-4])$")
# As a court writes a quarter: 2026年第三季度, 2026年第3季度, 2026年三季度.
_WRITTEN = re.compile(r"^(\d{4})\s*年\s*第?\s*([一二三四1-4])\s*季度$")
_NUMERALS = {"一": 1, "二": 2, "三": 3, "四": 4}


@dataclass(frozen=True, order=True)
class Quarter:
    """A calendar quarter (``number`` 1-4) of ``year``: a quarterly report's period (Art. 7)."""

    year: int
    number: int

    @property
    def label(self) -> str:
        """``2026Q1``: how a quarter is written on the command line and in reminder keys."""
        return f"{self.year}Q{self.number}"

    @property
    def first_day(self) -> date:
        """The quarter's first day."""
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def last_day(self) -> date:
        """The quarter's last day."""
        following = self.next()
        return date.fromordinal(following.first_day.toordinal() - 1)

    def start(self, tz: ZoneInfo) -> datetime:
        """0:00 of the quarter's first day in ``tz``."""
        return datetime.combine(self.first_day, time(), tzinfo=tz)

    def end(self, tz: ZoneInfo) -> datetime:
        """24:00 of the quarter's last day, as the next quarter's first instant."""
        return self.next().start(tz)

    def next(self) -> Quarter:
        """The quarter after this one."""
        if self.number == 4:
            return Quarter(self.year + 1, 1)
        return Quarter(self.year, self.number + 1)

    def previous(self) -> Quarter:
        """The quarter before this one."""
        if self.number == 1:
            return Quarter(self.year - 1, 4)
        return Quarter(self.year, self.number - 1)

    @classmethod
    def of(cls, moment: datetime, tz: ZoneInfo) -> Quarter:
        """The quarter ``moment`` falls in, in ``tz``."""
        local = moment.astimezone(tz).date()
        return cls(local.year, (local.month - 1) // 3 + 1)

    @classmethod
    def parse(cls, text: str) -> Quarter | None:
        """A quarter as typed (``2026Q1``, ``2026 q1``) or as a court writes it
        (``2026年第一季度``, ``2026年第1季度``); None for anything else."""
        cleaned = text.strip()
        match = _LABEL.match(cleaned) or _WRITTEN.match(cleaned)
        if match is None:
            return None
        number = match.group(2)
        return cls(int(match.group(1)), _NUMERALS.get(number) or int(number))
