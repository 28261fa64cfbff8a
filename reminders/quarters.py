"""Quarters: every record falls into the quarter of its receipt time, in the court's zone."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

_LABEL = re.compile(r"^(\d{4})\s*[Qq]\s*([1-4])$")


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    number: int

    @property
    def label(self) -> str:
        return f"{self.year}Q{self.number}"

    @property
    def first_day(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def last_day(self) -> date:
        following = self.next()
        return date.fromordinal(following.first_day.toordinal() - 1)

    def start(self, tz: ZoneInfo) -> datetime:
        return datetime.combine(self.first_day, time(), tzinfo=tz)

    def end(self, tz: ZoneInfo) -> datetime:
        """24:00 of the quarter's last day, as the next quarter's first instant."""
        return self.next().start(tz)

    def next(self) -> Quarter:
        if self.number == 4:
            return Quarter(self.year + 1, 1)
        return Quarter(self.year, self.number + 1)

    def previous(self) -> Quarter:
        if self.number == 1:
            return Quarter(self.year - 1, 4)
        return Quarter(self.year, self.number - 1)

    @classmethod
    def of(cls, moment: datetime, tz: ZoneInfo) -> Quarter:
        local = moment.astimezone(tz).date()
        return cls(local.year, (local.month - 1) // 3 + 1)

    @classmethod
    def parse(cls, text: str) -> Quarter | None:
        match = _LABEL.match(text.strip())
        return cls(int(match.group(1)), int(match.group(2))) if match else None
