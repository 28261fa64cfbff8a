"""A court staff member's name with words around it, typed as the outside inquirer's, is
still that member's name (Art. 14, DESIGN §2): a department of this court before or after
it, a bracketed note, 同志, an official title before or after (``刑事审判庭周强``,
``周强（刑庭）``, ``周强同志``, ``院长陈静``), in any number and order. An outside name
with the same words around it names no staff member.
"""

from __future__ import annotations

from datetime import UTC, datetime

from dialogue import Court, asks, dialogue, phone_record, says
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.fields import Step, staff_named
from handlers.words import ADDRESS_WORDS, department_abbreviations, official_titles
from storage import staff as staff_repo
from storage.db import Database
from storage.vocabulary import Role

AT = datetime(2026, 3, 6, 2, 0, tzinfo=UTC)
DEPARTMENTS = ["刑事审判庭", "民事审判第一庭", "办公室"]
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英"
STAFF_NAMES = st.builds(
    lambda surname, given: surname + given,
    st.sampled_from(["张", "王", "李", "陈", "周", "欧阳"]),
    st.text(alphabet=GIVEN, min_size=1, max_size=2),
)
OUTSIDE_NAMES = st.builds(
    lambda surname, given: surname + given,
    st.sampled_from(["赵", "钱", "孙", "上官"]),
    st.text(alphabet=GIVEN, min_size=1, max_size=2),
)
TITLES = st.sampled_from(sorted(official_titles()))
NOTE = st.builds(
    lambda text, brackets: brackets[0] + text + brackets[1],
    st.text(alphabet=GIVEN + "刑庭民一办公室院", max_size=4),
    st.sampled_from(["（）", "()", "【】", "[]"]),
)
DECORATION = st.one_of(
    st.tuples(st.just("before"), st.sampled_from(DEPARTMENTS)),
    st.tuples(st.just("after"), st.sampled_from(DEPARTMENTS)),
    st.tuples(st.sampled_from(["before", "after"]), NOTE),
    st.tuples(st.just("after"), st.sampled_from(ADDRESS_WORDS)),
    st.tuples(st.sampled_from(["before", "after"]), TITLES),
)
SPACES = st.sampled_from(["", " ", "\u3000"])


@st.composite
def decorated(draw: st.DrawFn, name: str) -> str:
    """``name`` with one to four words around it (``DECORATION``), spaced or not."""
    text = name
    for where, word in draw(st.lists(DECORATION, min_size=1, max_size=4)):
        gap = draw(SPACES)
        text = word + gap + text if where == "before" else text + gap + word
    return text


async def _register(session: AsyncSession, names: list[str]) -> list[int]:
    for department in DEPARTMENTS:  # the court's own departments, whoever is in them
        await staff_repo.department(session, department, at=AT)
    ids = []
    for index, name in enumerate(names):
        person = await staff_repo.add_staff(
            session,
            name=name,
            department_name=DEPARTMENTS[index % len(DEPARTMENTS)],
            roles=[Role.HANDLER],
            at=AT,
            actor="test",
            new_department=True,
        )
        ids.append(person.id)
    return ids


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
async def test_a_decorated_staff_name_names_the_member(db: Database, data: st.DataObject) -> None:
    names = data.draw(st.lists(STAFF_NAMES, min_size=1, max_size=3, unique=True))
    which = data.draw(st.integers(0, len(names) - 1))
    typed = data.draw(decorated(names[which]))
    outside = data.draw(decorated(data.draw(OUTSIDE_NAMES)))
    async with db.transaction() as session:
        ids = await _register(session, names)
        found = await staff_named(session, typed, own=None)
        assert found is not None, typed
        # Another member's name may be inside the words (周强 in 周强强): still staff.
        assert found.id == ids[which] or found.name in typed, (typed, found.name)
        assert await staff_named(session, outside, own=None) is None, outside
        own = await staff_repo.find_staff(session, names[which])
        assert await staff_named(session, typed, own=own) is own
        await session.rollback()


SHORT_FORMS = {
    "刑事审判庭": "刑庭",
    "刑事审判第一庭": "刑一庭",
    "民事审判第一庭": "民一庭",
    "民事审判第二庭": "民二庭",
    "行政审判庭": "行政庭",
    "审判监督庭": "审监庭",
    "环境资源审判庭": "环资庭",
    "审判管理办公室": "审管办",
    "城关人民法庭": "城关法庭",
    "立案庭": "立案庭",
    "执行局": "执行局",
}
"""The courts' usual shortenings of their departments' names (立案庭, 执行局: none)."""


def test_department_shortenings_are_the_usual_ones() -> None:
    for name, short in SHORT_FORMS.items():
        assert short == name or short in department_abbreviations(name), (name, short)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    department=st.sampled_from(sorted(SHORT_FORMS)),
    name=STAFF_NAMES,
    where=st.sampled_from(["before", "after", "note"]),
    gap=SPACES,
)
async def test_a_staff_name_with_its_department_shortened_names_the_member(
    db: Database, department: str, name: str, where: str, gap: str
) -> None:
    """刑庭周强, 民一庭孙丽, 孙丽 民一庭, 周强（刑庭）: the member of that department, asked
    about as the court's own staff (Art. 14) as 刑事审判庭周强 is."""
    short = SHORT_FORMS[department]
    typed = {
        "before": short + gap + name,
        "after": name + gap + short,
        "note": f"{name}（{short}）",
    }[where]
    async with db.transaction() as session:
        await staff_repo.department(session, department, at=AT)
        person = await staff_repo.add_staff(
            session,
            name=name,
            department_name=department,
            roles=[Role.HANDLER],
            at=AT,
            actor="test",
            new_department=False,
        )
        found = await staff_named(session, typed, own=None)
        assert found is not None and found.id == person.id, typed
        await session.rollback()


async def test_the_trial_shortened_departments(court: Court) -> None:
    """The trial: 刑庭周强 at the name question gets the Art. 14 question (周强 of 刑事审判庭;
    the harness's 民一庭 is named so already)."""
    judge = court.chat("张伟")
    script = list(phone_record())
    at = next(i for i, (_, expect) in enumerate(script) if asks(Step.INQUIRER_NAME) in str(expect))
    await dialogue(judge, script[: at + 1])
    replies = await judge.act("刑庭周强")
    who = says("intake.staff_who.staff")
    assert replies[-1].text.startswith(
        says("intake.error.staff_name", typed="刑庭周强", who=who)
    ), replies[-1].text
