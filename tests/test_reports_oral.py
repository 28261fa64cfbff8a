"""Oral inquiries (in person, by phone) bring no materials: the reports do not count them as
materials that reached the handler directly (Art. 6), nor show a route or an original's
destination (Art. 4) for them, even on a record that holds one from before."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from reports.columns import COLUMNS
from reports.facts import Names, RecordFacts
from reports.figures import Figures
from reports.form import form_document
from reports.period import Period
from reports.text import tr
from storage.models import Record
from storage.vocabulary import (
    Channel,
    Language,
    MaterialRoute,
    OriginalsDestination,
    RecordKind,
    RecordStatus,
)

BEIJING = ZoneInfo("Asia/Shanghai")


def facts(channel: Channel) -> RecordFacts:
    moment = datetime(2026, 3, 6, 10, 0, tzinfo=BEIJING)
    record = Record(
        id=1,
        status=RecordStatus.SUBMITTED.value,
        kind=RecordKind.EXTERNAL.value,
        handler_id=1,
        department_id=1,
        received_at=moment,
        submitted_at=moment,
        channel=channel.value,
        material_route=MaterialRoute.DIRECT.value,
        originals_destination=OriginalsDestination.NO_ORIGINAL.value,
        art9_items=[],
        fields={},
    )
    return RecordFacts(record, "张伟", "民一庭", (), (), (), ())


@pytest.mark.parametrize(
    ("channel", "direct", "shown"),
    [
        (Channel.WECHAT, 1, True),
        (Channel.LETTER, 1, True),
        (Channel.PHONE, 0, False),
        (Channel.IN_PERSON, 0, False),
    ],
)
def test_only_inquiries_with_materials_count_as_reaching_the_handler_directly(
    channel: Channel, direct: int, shown: bool
) -> None:
    figures = Figures(Period(date(2026, 1, 1), date(2026, 3, 31)), Names({}, {}))
    one = facts(channel)
    figures.add(one, BEIJING)
    assert figures.direct_route == direct
    for language in Language:
        values = {c.key: c.get(one, language, BEIJING) for c in COLUMNS}
        said = tr(language, "form.no_materials")
        # An oral inquiry's cells say what its form says: 口头过问，无书面材料.
        assert (values["route"] != said, values["originals"] != said) == (shown, shown)
        assert values["route"] is not None and values["originals"] is not None
        form = form_document(
            one,
            language=language,
            tz=BEIJING,
            court_name="温县人民法院",
            printed_at=datetime(2026, 3, 7, 9, 0, tzinfo=BEIJING),
            head_seq=1,
            head_hash="0" * 64,
        )
        texts = [getattr(b, "text", "") for b in form.blocks]
        assert (said in texts) == (not shown)
