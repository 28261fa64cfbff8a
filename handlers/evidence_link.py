"""Files that arrive with a message become evidence of a record.

The bytes are fetched and stored before the message's transaction begins, so a long download
never holds the database (``handlers.evidence_files``), and linked to the record inside it. A
file that cannot be kept (too large for the transport or for the store, a failed download, a
full disk) is still recorded by its metadata, and the handler is told plainly to keep the
original.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import func, select

from handlers.evidence_files import TEXT_NAME
from handlers.i18n import join
from reports.form import numbers_words
from storage.evidence import EvidenceFile, EvidenceStore
from storage.media import EvidenceKind, NoPreview
from storage.models import EvidenceBlob, EvidenceItem, Record
from storage.vocabulary import NETWORK_CHANNELS, Channel, label

if TYPE_CHECKING:
    from handlers.engine import Context


async def attach_files(ctx: Context, record: Record, files: list[EvidenceFile]) -> None:
    """Link each ``EvidenceFile`` to ``record`` as it is (nothing is read again); tell the
    handler about any that were not kept, are damaged, disguised or too large to preview,
    and about a file byte for byte the same as one sent with it (same SHA-256): each copy is
    kept and counted, never dropped, and never silently (``evidence.same_in_one``; a copy
    arriving later is asked about, ``handlers.intake.media``)."""
    store: EvidenceStore | None = ctx.services.evidence
    if store is None:
        raise RuntimeError("no evidence store wired in")
    first_named: dict[str, tuple[int, str]] = {}
    for n, file in enumerate(files, 1):
        item = await store.link(
            ctx.session, file, record_id=record.id, at=ctx.now, actor_staff_id=ctx.staff.id
        )
        origin = file.provenance
        name = origin.file_name or ctx.t("evidence.unnamed")
        prepared = file.prepared
        if file.sha256 is not None:
            if (first := first_named.get(file.sha256)) is not None:
                m, earlier = first
                ctx.reply(ctx.t("evidence.same_in_one", n=n, name=name, m=m, first=earlier))
            first_named.setdefault(file.sha256, (n, name))
        if file.problem:
            ctx.reply(not_kept_notice(ctx, file, store))
        elif item.blob is not None and item.blob.damaged:
            ctx.reply(ctx.t("evidence.damaged", name=name))
        elif item.disguised:
            kind = ctx.t(f"evidence.kind.{item.blob.kind if item.blob else 'other'}")
            ctx.reply(ctx.t("evidence.disguised", name=name, kind=kind))
        elif prepared is not None and prepared.preview == NoPreview.TOO_LARGE:
            ctx.reply(
                ctx.t(
                    "evidence.too_large_to_preview",
                    name=name,
                    width=prepared.width,
                    height=prepared.height,
                )
            )


def not_kept_notice(ctx: Context, file: EvidenceFile, store: EvidenceStore) -> str:
    """Why the bytes of ``file`` were not kept (``evidence.<UnavailableReason>``): its name,
    its declared size against ``store``'s cap in MB, and the instruction to keep the
    original. ``ValueError`` when the bytes were kept."""
    if not file.problem:
        raise ValueError("the file's bytes were kept")
    return ctx.t(
        f"evidence.{file.problem}",
        name=file.provenance.file_name or ctx.t("evidence.unnamed"),
        size=_megabytes(file.provenance.declared_size),
        limit=_megabytes(store.max_bytes),
    )


def tell_not_kept(ctx: Context, files: list[EvidenceFile]) -> None:
    """Reply, for each of ``files`` whose bytes were not kept, why and to keep the original
    (``not_kept_notice``): said as the files arrive, before any question about them."""
    store: EvidenceStore | None = ctx.services.evidence
    for file in files:
        if file.problem and store is not None:
            ctx.reply(not_kept_notice(ctx, file, store))


def not_kept_names(ctx: Context, files: list[EvidenceFile]) -> str | None:
    """The names (quoted, joined) of ``files`` whose bytes were not kept; None when every
    file's were."""
    lost = [
        ctx.t("intake.kept_name", name=file.provenance.file_name or ctx.t("evidence.unnamed"))
        for file in files
        if file.sha256 is None
    ]
    return join(ctx.language, lost) if lost else None


def kept_words(ctx: Context, files: list[EvidenceFile], *, key: str = "intake.kept") -> str:
    """The sentence saying truthfully whether the bytes of ``files`` were kept: ``<key>_all``
    when every file's were; else ``<key>_some`` or ``<key>_none`` naming each file whose
    bytes were not kept (``not_kept_names``), so no reply promises keeping what was not
    kept. ``key`` is ``intake.kept`` (held at a question), ``intake.dismissed_kept`` (sent by
    mistake) or ``intake.rescued_kept`` (kept on a draft of their own after a failure)."""
    names = not_kept_names(ctx, files)
    if names is None:
        return ctx.t(f"{key}_all")
    if all(file.sha256 is None for file in files):
        return ctx.t(f"{key}_none", names=names)
    return ctx.t(f"{key}_some", names=names)


MESSAGE_KIND = "message"
"""How a forwarded text message is counted (``evidence.kind.message``): its bytes are kept
as a text file, but the judge sent a message, not a file."""


def is_forwarded_text(item: EvidenceItem) -> bool:
    """Whether ``item`` is a forwarded text message (kept under ``TEXT_NAME``, no transport
    file behind it), not a file whose content is text."""
    return item.original_name == TEXT_NAME and item.transport_file_id is None


async def item_count(ctx: Context, record: Record) -> int:
    """How many files ``record`` holds as evidence (kept, or recorded by their metadata)."""
    query = select(func.count(EvidenceItem.id)).where(EvidenceItem.record_id == record.id)
    return int((await ctx.session.execute(query)).scalar_one())


async def screenshot_missing(ctx: Context, record: Record) -> str | None:
    """The warning for an inquiry by an electronic channel (``NETWORK_CHANNELS``: WeChat,
    SMS, e-mail, Weibo, another network) that has no evidence: Art. 3 requires such an
    inquiry to be captured by screenshot. None when the channel is another or evidence is
    held. Submitting is not refused: the judge may not have the screenshot."""
    if record.channel not in NETWORK_CHANNELS or await item_count(ctx, record):
        return None
    channel = label(Channel(record.channel), ctx.language)
    return ctx.t("intake.no_screenshot", channel=channel)


def _megabytes(size: int | None) -> str:
    return "?" if size is None else f"{size / 1_000_000:.1f}"


async def evidence_line(ctx: Context, record: Record) -> str:
    """One line counting the record's evidence by kind, and what was not kept; then each
    item's origin, and each item added after the record was submitted (an amendment)."""
    query = (
        select(EvidenceItem, EvidenceBlob)
        .outerjoin(EvidenceBlob, EvidenceItem.blob_sha256 == EvidenceBlob.sha256)
        .where(EvidenceItem.record_id == record.id)
    )
    rows = (await ctx.session.execute(query)).all()
    if not rows:
        return ctx.t("evidence.none")
    kinds: dict[str, int] = {}
    missing = 0
    for item, blob in rows:
        if blob is None:
            missing += 1
            continue
        kind = MESSAGE_KIND if is_forwarded_text(item) else str(blob.kind)
        kinds[kind] = kinds.get(kind, 0) + 1
    parts = [
        ctx.t("evidence.count", kind=ctx.t(f"evidence.kind.{kind}"), count=count)
        for kind, count in sorted(kinds.items())
    ]
    if missing:
        parts.append(ctx.t("evidence.metadata_only", count=missing))
    lines = [ctx.t("evidence.line", total=len(rows), parts=join(ctx.language, parts))]
    submitted = record.submitted_at
    # An album sent with one caption: the caption (and the forward it came from) is said
    # once, for all the items that share it, after the items themselves.
    origins: dict[str, list[int]] = {}
    for n, (item, blob) in enumerate(sorted(rows, key=lambda row: row[0].id), 1):
        lines.append(item_words(ctx, n, item, blob))
        origin = origin_words(ctx, item)
        if origin:
            origins.setdefault(origin, []).append(n)
        if submitted is not None and item.added_at > submitted:
            at = ctx.local(item.added_at).strftime("%Y-%m-%d %H:%M")
            lines.append(ctx.t("evidence.added_after_submission", n=n, at=at))
    for origin, numbers in origins.items():
        lines.append(
            ctx.t("evidence.origin", n=numbers_words(numbers, ctx.language), origin=origin)
        )
    return "\n".join(lines)


def item_words(ctx: Context, n: int, item: EvidenceItem, blob: EvidenceBlob | None) -> str:
    """One evidence item as /record and the review card list it (Art. 3): its number, the
    file's name, its kind (as stored, else the declared MIME type) and size, and a flag for a
    file found damaged or unreadable, one whose content is not what its name says, or one
    whose bytes were not kept (only its details). A forwarded text message has no file name:
    its kind and size only."""
    if blob is not None:
        kind = ctx.t(f"evidence.kind.{MESSAGE_KIND if is_forwarded_text(item) else blob.kind}")
    else:
        kind = item.declared_mime or ctx.t("evidence.kind.other")
    about = [kind, size_words(ctx, blob.size if blob is not None else item.declared_size)]
    flags: list[str] = []
    if blob is None:
        flags.append(ctx.t("evidence.flag_not_kept"))
    elif blob.damaged:
        flags.append(ctx.t("evidence.flag_damaged"))
    if item.disguised:
        flags.append(ctx.t("evidence.flag_disguised"))
    words = ctx.t("evidence.item_about", about=ctx.t("evidence.about_separator").join(about))
    if flags:
        words += ctx.t("evidence.item_flags", flags=join(ctx.language, flags))
    if is_forwarded_text(item):
        return ctx.t("evidence.item_message", n=n, about=words)
    name = item.original_name or ctx.t("evidence.unnamed")
    return ctx.t("evidence.item", n=n, name=name, about=words)


def size_words(ctx: Context, size: int | None) -> str:
    """A file size in words: bytes below 1 kB, else kB or MB with one decimal (SI units, as
    the chat's upload limits are given); ``evidence.size_unknown`` when not known."""
    if size is None:
        return ctx.t("evidence.size_unknown")
    if size < 1000:
        return ctx.t("evidence.size_bytes", n=size)
    if size < 1_000_000:
        return ctx.t("evidence.size_kb", n=f"{size / 1000:.1f}")
    return ctx.t("evidence.size_mb", n=f"{size / 1_000_000:.1f}")


def origin_words(ctx: Context, item: EvidenceItem) -> str:
    """Where one evidence item came from: the forward's original sender (or a hidden user's
    name), the original chat and date, and the caption it came with; empty when none."""
    parts: list[str] = []
    if item.forward_sender or item.forward_chat or item.forward_sent_at:
        if item.forward_sender:
            parts.append(ctx.t("evidence.forwarded_from", sender=item.forward_sender))
        else:
            parts.append(ctx.t("evidence.forwarded_unknown"))
        if item.forward_chat:
            parts.append(ctx.t("evidence.forwarded_chat", chat=item.forward_chat))
        if item.forward_sent_at:
            at = ctx.local(item.forward_sent_at).strftime("%Y-%m-%d %H:%M")
            parts.append(ctx.t("evidence.forwarded_at", at=at))
    if item.caption:
        parts.append(ctx.t("evidence.caption", caption=item.caption))
    return ctx.t("common.strong_separator").join(parts)


KINDS = tuple(kind.value for kind in EvidenceKind)
