"""A court staff member's name with words around it, typed as the outside inquirer's, is
still that member's name (Art. 14, DESIGN §2): a department of this court before or after
it, a bracketed note, 同志, an official title before or after (``刑事审判庭周强``,
``周强（刑庭）``, ``周强同志``, ``院长陈静``), in any number and order. An outside name
with the same words around it names no staff member.
"""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.fields import staff_named
from handlers.words import ADDRESS_WORDS, official_titles
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
