"""Who owes a record's step: the one answer the reminders, their escalations and the
timeliness figures (Art. 10) all read.

The handler (承办人) owes registering, the platform entry and the form copy (登记, 录入平台,
报送, Art. 2 and 6). The co-signature (签字确认, Art. 3) is owed by the court's staff present
at the inquiry, each for their own signature, not by the handler, who cannot give it: a
staff member in the bot by their ``staff_id``, one not in it (who signs the printed form by
hand) by the name typed for them. Before a record is submitted nobody has been asked to
sign, so the handler owes every step of a draft.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from storage.models import Record, RecordCosigner
from storage.vocabulary import CosignStatus, Milestone, RecordStatus


@dataclass(frozen=True)
class Ower:
    """One person who owes a step of a record.

    ``staff_id``: the staff member (None for a person present who is not in the bot);
    ``name``: that person's typed name (None for a staff member: their name is the staff
    row's); ``cosigner``: their co-signer row for the co-signature, None for the handler."""

    staff_id: int | None
    name: str | None = None
    cosigner: RecordCosigner | None = None

    @property
    def key(self) -> int | str:
        """How figures tell people apart: the staff id, or the typed name of a person not in
        the bot (two such people of the same name are one row)."""
        return self.staff_id if self.staff_id is not None else self.name or ""

    @property
    def pending(self) -> bool:
        """Whether this person has still to act: the handler always (the step's own state
        tells whether it is met), a co-signer until they confirm or dispute."""
        return self.cosigner is None or self.cosigner.status == CosignStatus.PENDING


def owed_by(record: Record, milestone: Milestone) -> tuple[Ower, ...]:
    """Who owes ``milestone`` of ``record``: the handler for 登记, 录入平台 and 报送 (Art. 2,
    6); for 签字确认 (Art. 3) each staff member present of the current round, answered or
    not (each is judged by their own answer), in the rows' order; the handler for every step
    of a record not submitted (a draft's co-signers were never asked) or with nobody
    present."""
    if (
        milestone is not Milestone.COSIGNED
        or record.status != RecordStatus.SUBMITTED
        or not record.cosigners
    ):
        return (Ower(record.handler_id),)
    return tuple(
        Ower(c.staff_id, c.name if c.staff_id is None else None, c) for c in record.cosigners
    )


def in_breach(record: Record, milestones: Iterable[Milestone]) -> set[int]:
    """The staff members who have still to act on any of ``milestones`` (steps past their
    deadline, unmet): those an overseer's notice of the breach is about, never its
    recipients (nobody oversees their own breach). People not in the bot have no id and are
    left out: they receive no notice at all."""
    return {
        ower.staff_id
        for milestone in milestones
        for ower in owed_by(record, milestone)
        if ower.pending and ower.staff_id is not None
    }
