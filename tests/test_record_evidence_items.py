"""/record lists every evidence item by its file: name, kind, size, and a flag for a file found
damaged or unreadable, one whose content is not what its name says, one whose bytes were not
kept; a caption sent with several files is said once for them (Art. 3). Whoever looks, in
whatever state the record is: the handler on the draft, the integrity officer on the draft
withdrawn (trial 9, F5: a withdrawn draft showed its two files only as their caption, twice)."""

from __future__ import annotations

from pathlib import Path

from dialogue import DialogueBot, Forward, jpeg_bytes, open_court, png_bytes, says, settings_for

from handlers.ports import AttachmentKind
from reminders.clock import FakeClock
from storage.db import Database

CAPTION = "人大办公室转来的函和一段语音"


async def test_each_item_is_named_by_its_file_in_every_state(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    bot = DialogueBot(db, clock, settings_for(tmp_path))
    court = await open_court(bot)
    judge = court.chat("张伟")
    whole = jpeg_bytes()
    cut = whole[: len(whole) // 2]
    picture = png_bytes()
    text = "王局长：请关照一下张某的案子。\n".encode()
    files = [
        bot.file(AttachmentKind.PHOTO, picture, name="微信截图.png", mime="image/png"),
        bot.file(AttachmentKind.DOCUMENT, cut, name="来函扫描.jpg", mime="image/jpeg"),
        bot.file(AttachmentKind.DOCUMENT, text, name="照片.jpg", mime="image/jpeg"),
        bot.failing_file(
            AttachmentKind.AUDIO,
            lambda: OSError("reset"),
            name="语音.amr",
            mime="audio/amr",
            size=4_200,
        ),
    ]
    await judge.act(Forward(*files, caption=CAPTION, album="a-1"))

    def kb(data: bytes) -> str:
        return says("evidence.size_kb", n=f"{len(data) / 1000:.1f}")

    def size(data: bytes) -> str:
        return kb(data) if len(data) >= 1000 else says("evidence.size_bytes", n=len(data))

    def item(n: int, name: str, kind: str, size: str, flag: str | None = None) -> str:
        about = says("evidence.about_separator").join([says(f"evidence.kind.{kind}"), size])
        words = says("evidence.item_about", about=about)
        if flag:
            words += says("evidence.item_flags", flags=says(f"evidence.{flag}"))
        return says("evidence.item", n=n, name=name, about=words)

    sep = says("evidence.about_separator")
    expected = [
        item(1, "微信截图.png", "image", size(picture)),
        item(2, "来函扫描.jpg", "image", size(cut), "flag_damaged"),
        item(3, "照片.jpg", "text", size(text), "flag_disguised"),
        says(
            "evidence.item",
            n=4,
            name="语音.amr",
            about=says(
                "evidence.item_about", about="audio/amr" + sep + says("evidence.size_kb", n="4.2")
            )
            + says("evidence.item_flags", flags=says("evidence.flag_not_kept")),
        ),
    ]
    caption = says("evidence.caption", caption=CAPTION)
    views = [("张伟", "/record 草稿 #1")]
    [card] = await judge.say(views[0][1])
    await judge.act("/cancel 发错了，这是另一个案子的材料")
    views.append(("钱进", "/record 草稿 #1"))  # the withdrawn draft, to the integrity officer
    cards = [card] + [(await court.chat(who).say(ask))[0] for who, ask in views[1:]]
    for card in cards:
        lines = card.split("\n")
        for line in expected:
            assert line in lines, (line, card)
        assert card.count(CAPTION) == 1, card  # said once, for the four items
        assert says("evidence.origin", n="1至4", origin=caption) in lines, card
