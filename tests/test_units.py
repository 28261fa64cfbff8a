"""Work units as judges type them: the Art. 13 category, and Art. 7's same-level main leader.

The category is read from data (``handlers/data/unit-words.tsv``): real unit names of each
category, full and abbreviated, are recognised. Art. 7's presumption never defaults to the
answer that keeps the article silent: over courts of every level (the SPC court table) ×
the ways a committee's name is written × positions, a principal leader of the court's own
place's party committee or political-legal committee is presumed 是, and 否 is presumed only
where the unit or the position rules Art. 7 out.
"""

from __future__ import annotations

import re
from functools import cache

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handlers.units import court_places, guess_category, presume_main_leader
from storage.casenumber import _courts
from storage.vocabulary import UnitCategory

REAL_UNITS: dict[UnitCategory, tuple[str, ...]] = {
    UnitCategory.PARTY: (
        "中共温县县委",
        "中共温县委员会",
        "温县县委",
        "温县委",
        "温县政法委",
        "中共温县县委政法委员会",
        "温县县委组织部",
        "温县县委宣传部",
        "温县县委统战部",
        "中共温县纪委",
        "温县纪委监委",
        "温县县委办",
        "焦作市委政法委",
        "中共河南省委",
        "温县祥云镇党委",
    ),
    UnitCategory.CONGRESS: ("温县人大常委会", "温县人大", "焦作市人民代表大会常务委员会"),
    UnitCategory.CPPCC: ("温县政协", "政协温县委员会", "中国人民政治协商会议温县委员会"),
    UnitCategory.GOVERNMENT: (
        "温县人民政府",
        "温县政府",
        "温县发改委",
        "温县发展和改革委员会",
        "温县住建局",
        "温县住房和城乡建设局",
        "温县公安局",
        "温县财政局",
        "温县卫健委",
        "温县教育局",
        "温县市场监管局",
        "温县自然资源局",
        "河南省公安厅",
        "温县祥云镇人民政府",
        "温县温泉街道办事处",
        "焦作高新区管委会",
        "温县城关派出所",
    ),
    UnitCategory.PROCURATORATE: ("温县人民检察院", "温县检察院", "焦作市人民检察院"),
    UnitCategory.MILITARY: ("温县人民武装部", "温县人武部", "焦作军分区", "武警焦作支队"),
    UnitCategory.COMPANY: ("温县城投有限公司", "焦作煤业集团", "温县农商银行", "某某股份有限公司"),
    UnitCategory.ENTERPRISE: ("温县农村信用社", "温县面粉厂"),
    UnitCategory.INSTITUTION: ("温县人民医院", "温县第一中学", "河南理工大学", "温县疾控中心"),
    UnitCategory.SOCIAL_ORGANISATION: (
        "温县工商联",
        "温县总工会",
        "温县妇联",
        "共青团温县委员会",
        "团县委",
        "温县科协",
        "温县红十字会",
        "温县个体劳动者协会",
    ),
}


@pytest.mark.parametrize(
    ("unit", "category"),
    [(unit, category) for category, units in REAL_UNITS.items() for unit in units],
)
def test_a_real_unit_name_suggests_its_category(unit: str, category: UnitCategory) -> None:
    assert guess_category(unit) is category
    assert guess_category(f" {unit} ") is category


def test_a_name_that_says_nothing_suggests_nothing() -> None:
    for unit in ("", "温县", "老王", "某某"):
        assert guess_category(unit) is None


# -- Art. 7 ----------------------------------------------------------------------------------

_COURT: re.Pattern[str] = re.compile(
    r"^(?P<region>.+?(?:省|自治区|市|县|区|旗|自治州|盟))"
    r"(?P<level>高级|(?:第[一二三四五六七八九十]+)?中级)?人民法院$"
)


@cache
def courts() -> tuple[tuple[str, str, str], ...]:
    """(code, name, region) of every court of the SPC table whose name is its place's."""
    found = []
    for code, name in _courts().items():
        match = _COURT.match(name)
        if match:
            found.append((code, name, match["region"]))
    return tuple(sorted(found))


def own_committees(region: str) -> list[str]:
    """The ways a judge writes the party committee and political-legal committee of
    ``region`` (温县: 中共温县委员会, 温县委, 温县县委, 温县政法委, …)."""
    level = region[-1]
    names = [
        f"中共{region}委员会",
        f"中国共产党{region}委员会",
        f"{region}委",
        f"中共{region}委",
        f"{region}党委",
        f"{region}政法委",
        f"{region}委政法委",
        f"中共{region}委政法委员会",
        f"{region}政法委员会",
    ]
    if level in "县市省区":
        names += [f"{region}{level}委", f"中共{region}{level}委", f"{region}{level}委政法委"]
    return names


PRINCIPAL = ("书记", "主任", "党委书记", "政法委书记", "书记、主任", "县委书记")
DEPUTY = ("副书记", "常务副书记", "副主任", "常委", "秘书长", "委员")
OPEN = ("原书记", "退休前任书记", "主持工作的副书记", "负责人", "")
PLACELESS = ("县委", "市委", "政法委", "县委政法委", "中共县委", "市委政法委员会", "党委")


@given(
    court=st.sampled_from(courts()),
    form=st.integers(min_value=0, max_value=11),
    position=st.sampled_from(PRINCIPAL + DEPUTY + OPEN),
    by_code=st.booleans(),
)
def test_the_own_place_committees_principal_leader_is_presumed_yes(
    court: tuple[str, str, str], form: int, position: str, by_code: bool
) -> None:
    code, name, region = court
    names = own_committees(region)
    unit = names[form % len(names)]
    places = court_places(code, "") if by_code else court_places("", name)
    presumed = presume_main_leader(unit, position, None, places)
    if position in PRINCIPAL:
        assert presumed is True, (name, unit, position)
    elif position in DEPUTY:
        assert presumed is False, (name, unit, position)
    else:
        assert presumed is None, (name, unit, position)


@given(
    court=st.sampled_from(courts()),
    other=st.sampled_from(courts()),
    position=st.sampled_from(PRINCIPAL + OPEN),
)
def test_another_places_or_a_placeless_committee_is_asked_never_presumed_no(
    court: tuple[str, str, str], other: tuple[str, str, str], position: str
) -> None:
    """A committee that is not (or not surely) the court's own place's: asked outright."""
    places = court_places(court[0], "")
    units = [*PLACELESS]
    if other[2] not in places and not any(p in other[2] for p in places):
        units += own_committees(other[2])
    for unit in units:
        assert presume_main_leader(unit, position, None, places) is not False, (unit, position)


def test_without_a_court_place_every_committee_is_asked() -> None:
    for unit in (*own_committees("温县"), *PLACELESS):
        for position in PRINCIPAL:
            assert presume_main_leader(unit, position, None, frozenset()) is None


@pytest.mark.parametrize(
    "unit",
    [
        unit
        for category, units in REAL_UNITS.items()
        if category is not UnitCategory.PARTY
        for unit in units
    ]
    + ["温县县委组织部", "中共温县纪委", "温县县委办", "温县县委宣传部"],
)
def test_a_unit_that_is_no_committee_is_presumed_no(unit: str) -> None:
    places = court_places("豫0825", "")
    for position in ("书记", "主任", "局长", "院长", "董事长", *DEPUTY):
        assert presume_main_leader(unit, position, None, places) is False, (unit, position)
    # A committee of its own (医院党委) is asked: the position names one, not its place.
    assert presume_main_leader(unit, "党委书记", None, places) is None


def test_a_position_naming_the_committee_counts_whatever_the_unit() -> None:
    places = court_places("豫0825", "")
    assert presume_main_leader("温县", "县委书记", None, places) is True
    assert presume_main_leader("温县人民政府", "县委书记", None, places) is None
    assert presume_main_leader("温县人民政府", "县长、县委副书记", None, places) is False


def test_an_unrecognised_unit_is_asked_and_a_category_answered_decides() -> None:
    places = court_places("豫0825", "")
    assert presume_main_leader("温县某某", "书记", None, places) is None
    assert presume_main_leader("温县某某", "书记", UnitCategory.PARTY.value, places) is None
    assert presume_main_leader("温县某某", "书记", UnitCategory.COMPANY.value, places) is False


def test_court_places_of_each_level() -> None:
    assert court_places("豫0825", "") == {"温县"}
    assert court_places("", "温县人民法院") == {"温县"}
    assert court_places("豫08", "") == {"河南省焦作市", "焦作市", "焦作"}
    assert court_places("", "郑州市中原区人民法院") == {"郑州市中原区", "中原区", "中原"}
    assert court_places("豫", "") == {"河南省", "河南"}
    assert court_places("", "人民法院") == frozenset()
