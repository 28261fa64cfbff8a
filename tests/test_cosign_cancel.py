"""A co-signer's /cancel in the middle of a dispute ends the dispute, nothing else."""

from __future__ import annotations

from dialogue import Court, DialogueBot, Tap, dialogue, open_court
from reminder_kit import new_record

from handlers.i18n import t
from reminders.clock import FakeClock
from storage import records as records_repo
from storage.db import Database
from storage.vocabulary import CosignStatus, Language, RecordStatus


def zh(key: str, **values: object) -> str:
    return t(Language.ZH, key, **values)


async def test_cancel_at_the_dispute_reason_keeps_the_co_signers_own_draft(
    bot: DialogueBot, db: Database, clock: FakeClock
) -> None:
    court: Court = await open_court(bot)
    record_id = await new_record(
        db, clock, court.id("张伟"), received=clock.now(), cosigners=[court.id("孙丽")]
    )
    sun = court.chat("孙丽")
    # 孙丽 is a handler with a draft of her own open when she is asked to co-sign.
    await dialogue(sun, [("/new", zh("intake.started", title="草稿 #2"))])
    await dialogue(
        sun,
        [
            (Tap(f"cs:{record_id}:no"), zh("cosign.ask_reason", title="温法过问〔2026〕1号")),
            ("/cancel", zh("cosign.dispute_cancelled", title="温法过问〔2026〕1号")),
        ],
    )
    async with db.transaction() as session:
        own = await records_repo.get(session, 2)
        signed = await records_repo.get(session, record_id)
        assert own is not None and own.status == RecordStatus.DRAFT
        assert signed is not None
        assert [c.status for c in signed.cosigners] == [CosignStatus.PENDING]
