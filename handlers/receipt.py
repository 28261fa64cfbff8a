"""When an inquiry reached the judge: Art. 6's deadlines count from its receipt time.

One rule for every channel whose inquiry reaches the judge as it is made (``FOLLOWING``): an
inquiry by phone or in person is received as it happens, so the time the judge gives for it is
its receipt time, on every path below. A letter or mail arrives after it is written, and
another channel is not known to be immediate: their receipt time is what the judge says.

The same rule for every electronic channel (WeChat, SMS, e-mail, …; ``NETWORK_CHANNELS``) and every
way the message came to the bot (a forwarded text or photo, a file sent, a Telegram forward, a
WeCom message, ``/new``): such a message reaches the judge when it is sent, so the time the
judge gives for it (the inquiry's time, typed on the proposals card, at its question, as a day
alone, corrected from the review card, or corrected after submission: ``handlers.dependents``)
is its receipt time too. Two exceptions:

- the chat service stated when the forwarded message was first sent (Telegram's
  ``forward_origin.date``: ``SENT_AT``) and the judge's time agrees with it (``agrees``): the
  stated time, to the minute, stays the receipt time; an earlier time is the receipt time, a
  later one is refused (``latest_inquiry``: the message existed at the stated time);
- the judge typed the receipt time of an electronic message itself at its question
  (``RECEIVED_TYPED``): that answer stands. Not for a call or a visit: it is received as it
  is made, whatever was typed before its channel was given (a receipt typed days after the
  call would lengthen every Art. 6 deadline), and the judge is told the receipt time moved.

A receipt time taken from a day alone ("yesterday") is that day with its hour unknown
(``RECEIVED_DAY_ONLY``): the deadlines count in days, so they are the same for any hour of it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from reports.columns import DAY_ONLY as INQUIRY_DAY_ONLY
from storage.models import Record
from storage.vocabulary import NETWORK_CHANNELS, ORAL_CHANNELS, Channel

SENT_AT = "sent_at_stated"
"""``Record.fields`` key: when the chat service says the forwarded message was first sent
(ISO 8601), as the transport told it (Telegram ``forward_origin.date``); absent when none
said so (a file sent, the console's ``/forward``, WeCom)."""
RECEIVED_TYPED = "received_typed"
"""``Record.fields`` key: True once the judge typed the receipt time at its own question."""
"""``Record.fields`` key: True when the receipt time is a day, its hour unknown."""
"""``Record.fields`` key: True when only the day of the inquiry is known."""
FOLLOWING: frozenset[Channel] = NETWORK_CHANNELS | ORAL_CHANNELS
"""The channels whose receipt time is the inquiry's: an electronic message reaches the judge
when it is sent, a call or a visit when it is made. Not a letter or mail (it arrives after
it is written) nor another channel (not known to be immediate)."""
AGREEMENT = timedelta(hours=1)
"""A stated send time agrees with the judge's time when it is at most this much after it:
the judge's "9 pm" for a message sent at 21:03."""
LEEWAY = timedelta(minutes=1)
"""A stated send time this much before the judge's time still agrees with it."""


def stated_sent_at(record: Record) -> datetime | None:
    """When the chat service says the forwarded message was first sent (``SENT_AT``); None
    for an inquiry by phone or in person (what was forwarded is not the inquiry)."""
    if record.channel in ORAL_CHANNELS:
        return None
    raw = record.fields.get(SENT_AT)
    return datetime.fromisoformat(raw) if isinstance(raw, str) else None


def receipt_follows(record: Record) -> bool:
    """Whether the time the judge gives for ``record``'s inquiry is its receipt time too: an
    inquiry by a call or a visit (``ORAL_CHANNELS``) always; by an electronic message
    (``NETWORK_CHANNELS``) unless the judge typed its receipt time at its own question."""
    if record.channel in ORAL_CHANNELS:
        return True
    return record.channel in FOLLOWING and not record.fields.get(RECEIVED_TYPED)


def agrees(sent: datetime, said: datetime, *, day_only: bool, tz: ZoneInfo) -> bool:
    """Whether a stated send time ``sent`` agrees with the judge's ``said``: on that day for a
    day alone; otherwise from ``LEEWAY`` before it to ``AGREEMENT`` after it."""
    if day_only:
        return sent.astimezone(tz).date() == said.astimezone(tz).date()
    return said - LEEWAY <= sent <= said + AGREEMENT


def receipt_of(record: Record, tz: ZoneInfo) -> tuple[datetime, bool] | None:
    """The receipt time the rule gives ``record`` and whether it is a day alone; None when the
    rule does not apply (``receipt_follows``) or the inquiry's time is not given yet."""
    if not receipt_follows(record) or record.inquiry_at is None:
        return None
    said, day_only = record.inquiry_at, bool(record.fields.get(INQUIRY_DAY_ONLY))
    sent = stated_sent_at(record)
    if sent is not None and agrees(sent, said, day_only=day_only, tz=tz):
        return sent, False
    return said, day_only


def latest_inquiry(record: Record) -> datetime:
    """The latest the inquiry's time may be: its receipt time; where the receipt time follows
    the inquiry's (``receipt_follows``), the stated send time (the message existed then), or
    without one the moment the message or ``/new`` reached the bot (the draft's opening)."""
    if not receipt_follows(record):
        return record.received_at
    return stated_sent_at(record) or record.created_at
