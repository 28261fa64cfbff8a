"""The Art. 6 sentence of the written analysis names a breach only where the rule makes one:
written materials handed to the handler directly instead of through the department's integrity
officer. Mail, SMS, Weibo, WeChat and e-mail may reach the handler directly, and oral inquiries
bring no materials; the sentence states the figure it is built from."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from reports.analysis import analysis
from reports.facts import Names, RecordFacts
from reports.figures import Figures
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
BREACH = {Channel.LETTER, Channel.OTHER}
ALLOWED = [c for c in Channel if c not in BREACH]


def facts(number: int, channel: Channel, route: MaterialRoute) -> RecordFacts:
    moment = datetime(2026, 3, 6, 10, 0, tzinfo=BEIJING)
    record = Record(
        id=number,
        status=RecordStatus.SUBMITTED.value,
        kind=RecordKind.EXTERNAL.value,
        handler_id=1,
        department_id=1,
        received_at=moment,
        submitted_at=moment,
        channel=channel.value,
        material_route=route.value,
        originals_destination=OriginalsDestination.NO_ORIGINAL.value,
        art9_items=[],
        fields={},
    )
    return RecordFacts(record, "张伟", "民一庭", (), (), (), ())


def quarter(records: list[tuple[Channel, MaterialRoute]]) -> Figures:
    figures = Figures(Period(date(2026, 1, 1), date(2026, 3, 31)), Names({}, {}))
    for number, (channel, route) in enumerate(records, 1):
        figures.add(facts(number, channel, route), BEIJING)
    return figures


def sentence(language: Language, n: int) -> str:
    return tr(language, "analysis.unregistered", n=n)


def has_route_sentence(lines: list[str], language: Language) -> bool:
    marker = "第六条" if language is Language.ZH else "Art. 6"
    return any(marker in line for line in lines)


@given(
    st.lists(st.tuples(st.sampled_from(ALLOWED), st.sampled_from(MaterialRoute)), max_size=12),
    st.sampled_from(Language),
)
def test_wechat_sms_mail_and_oral_inquiries_reaching_the_handler_are_no_breach(
    records: list[tuple[Channel, MaterialRoute]], language: Language
) -> None:
    figures = quarter(records)
    assert figures.unregistered == 0
    assert not has_route_sentence(analysis(figures, language), language)


@given(
    st.lists(
        st.tuples(st.sampled_from(list(Channel)), st.sampled_from(MaterialRoute)), max_size=12
    ),
    st.sampled_from(Language),
)
def test_the_sentence_counts_written_materials_handed_over_without_registration(
    records: list[tuple[Channel, MaterialRoute]], language: Language
) -> None:
    breaches = sum(c in BREACH and r is MaterialRoute.DIRECT for c, r in records)
    lines = analysis(quarter(records), language)
    if breaches:
        assert sentence(language, breaches) in lines
    else:
        assert not has_route_sentence(lines, language)


def test_a_quarter_of_wechat_messages_only_has_no_route_sentence() -> None:
    records = [(Channel.WECHAT, MaterialRoute.DIRECT)] * 2
    figures = quarter(records)
    assert figures.direct_route == 2
    assert not any("廉政监察员" in line for line in analysis(figures, Language.ZH))


def test_letters_handed_to_the_handler_are_stated_with_their_number() -> None:
    records = [
        (Channel.LETTER, MaterialRoute.DIRECT),
        (Channel.LETTER, MaterialRoute.DIRECT),
        (Channel.LETTER, MaterialRoute.VIA_INTEGRITY_OFFICER),
        (Channel.WECHAT, MaterialRoute.DIRECT),
    ]
    lines = analysis(quarter(records), Language.ZH)
    assert sentence(Language.ZH, 2) in lines
    assert any(line.startswith("有 2 件书面材料直接交给承办人") for line in lines)
