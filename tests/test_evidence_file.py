"""An evidence file is one value from download to row, and survives JSON without loss.

While the judge answers a question the value waits in the conversation as JSON; whatever the
provenance (any text, any time zone, a forward's origin or none) and whatever the analysis,
reading it back gives an equal value.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterable, AsyncIterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from handlers.evidence_files import TEXT_NAME, fetch_files, provenance_of
from handlers.ports import Attachment, AttachmentKind, IncomingMessage
from storage.evidence import (
    EvidenceFile,
    EvidenceStorageFull,
    EvidenceStore,
    ForwardOrigin,
    Prepared,
    Provenance,
    UnavailableReason,
)
from storage.media import DamageReason, EvidenceKind, NoPreview

zones = st.builds(
    lambda minutes: timezone(timedelta(minutes=minutes)), st.integers(-14 * 60, 14 * 60)
)
moments = st.datetimes(
    min_value=datetime(1990, 1, 1),  # noqa: DTZ001 - hypothesis wants naive bounds
    max_value=datetime(2100, 1, 1),  # noqa: DTZ001
    timezones=zones,
)
texts = st.none() | st.text()
sizes = st.none() | st.integers(0, 2**62)
hashes = st.text("0123456789abcdef", min_size=64, max_size=64)

origins = st.none() | st.builds(ForwardOrigin, texts, texts, st.none() | moments)
provenances = st.builds(
    Provenance,
    st.text(min_size=1),
    moments,
    sender_id=texts,
    message_id=texts,
    file_id=texts,
    file_name=texts,
    declared_mime=texts,
    declared_size=sizes,
    caption=texts,
    forwarded=origins,
)
analyses = st.builds(
    Prepared,
    hashes,
    st.integers(0, 2**62),
    st.text(min_size=1),
    st.sampled_from(EvidenceKind),
    st.none() | st.sampled_from(DamageReason),
    sizes,
    sizes,
    sizes,
    st.none() | hashes,
    st.none() | st.just(NoPreview.TOO_LARGE.value),
)
files = st.one_of(
    st.builds(lambda p, a: EvidenceFile(p, prepared=a), provenances, analyses),
    st.builds(
        lambda p, r: EvidenceFile(p, unavailable=r), provenances, st.sampled_from(UnavailableReason)
    ),
)


@given(files)
def test_an_evidence_file_survives_json_unchanged(file: EvidenceFile) -> None:
    back = EvidenceFile.from_json(json.loads(json.dumps(file.to_json())))
    assert back == file
    assert back.provenance.received_at.utcoffset() == file.provenance.received_at.utcoffset()


AT = datetime(2026, 3, 6, 2, 0, tzinfo=UTC)


def test_a_forwarded_photo_carries_its_origin_and_caption() -> None:
    photo = Attachment(AttachmentKind.PHOTO, "AgAC-1", "图.jpg", "image/jpeg", 1234)
    message = IncomingMessage(
        "telegram",
        "100",
        "200",
        AT,
        text="县里转来的函",
        message_id="55",
        attachments=(photo,),
        forwarded_at=AT - timedelta(days=1),
        forwarded_from="王建国",
    )
    assert provenance_of(message, photo) == Provenance(
        "telegram",
        AT,
        sender_id="200",
        message_id="55",
        file_id="AgAC-1",
        file_name="图.jpg",
        declared_mime="image/jpeg",
        declared_size=1234,
        caption="县里转来的函",
        forwarded=ForwardOrigin(sender="王建国", sent_at=AT - timedelta(days=1)),
    )


def test_a_forwarded_text_is_the_file_not_its_caption() -> None:
    message = IncomingMessage(
        "telegram", "100", "200", AT, text="请关照", forwarded_at=AT, forwarded_from="匿名用户"
    )
    origin = provenance_of(message)
    assert (origin.file_name, origin.declared_mime) == (TEXT_NAME, "text/plain")
    assert (origin.declared_size, origin.caption) == (len("请关照".encode()), None)
    assert origin.forwarded == ForwardOrigin(sender="匿名用户", sent_at=AT)


class FullStore(EvidenceStore):
    """A store whose disk is full."""

    async def prepare(self, chunks: AsyncIterable[bytes], provenance: Provenance) -> EvidenceFile:
        raise EvidenceStorageFull("No space left on device")


async def _never(message: IncomingMessage, attachment: Attachment) -> AsyncIterator[bytes]:
    yield b"never read"


async def test_a_full_disk_still_gives_one_value_per_file(tmp_path: Path) -> None:
    store = FullStore(tmp_path / "evidence", max_bytes=1000)
    photo = Attachment(AttachmentKind.PHOTO, "AgAC-1")
    with_file = IncomingMessage("telegram", "1", "2", AT, attachments=(photo,))
    text = IncomingMessage("telegram", "1", "2", AT, text="请关照", forwarded_at=AT)
    for message in (with_file, text):
        [file] = await fetch_files(store, _never, message)
        assert (file.prepared, file.unavailable) == (None, UnavailableReason.STORAGE_FULL)
        assert file.provenance == provenance_of(message, photo if message.attachments else None)
