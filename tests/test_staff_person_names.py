"""One person, one name: a name padded with spaces is the same person.

Court name lists copied from Word pad a two-character name to the width of three ("张　伟",
U+3000); a name pasted from a web page carries no-break spaces, one typed in a hurry a tab.
Every place a person is looked up by name (``storage.staff.find_staff``: ``staff
invite/set/disable/enable/release``, the chat's co-signers and court staff present, the demo's
``/as``) and the command line's double-entry and namesake checks compare names by
``person_key``; a name is stored as ``person_name`` makes it (张伟, not 张　伟).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_cli_staff import config, guowen, only_error  # noqa: F401

from handlers.i18n import t
from storage import staff as staff_repo
from storage.db import Database
from storage.vocabulary import Role

AT = datetime(2026, 3, 6, 2, 0, tzinfo=UTC)
# Whitespace a pasted or typed name may carry: ASCII, tab, ideographic and no-break spaces.
SPACE = st.sampled_from([" ", "\t", "\u3000", "\u00a0"])
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英"
NAMES = st.builds(
    lambda surname, given: surname + given,
    st.sampled_from(["张", "王", "李", "赵", "刘", "陈", "欧阳", "司马"]),
    st.text(alphabet=GIVEN, min_size=1, max_size=2),
)


@st.composite
def padded(draw: st.DrawFn, name: str) -> str:
    """``name`` with whitespace put at its ends and between its characters, at least once."""
    gaps = [draw(st.lists(SPACE, max_size=2).map("".join)) for _ in range(len(name) + 1)]
    if not any(gaps):
        gaps[draw(st.integers(0, len(name)))] = draw(SPACE)
    return "".join(gap + char for gap, char in zip(gaps[:-1], name, strict=True)) + gaps[-1]


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
async def test_a_padded_name_finds_the_person_and_is_stored_unpadded(
    db: Database, data: st.DataObject
) -> None:
    name = data.draw(NAMES)
    typed = data.draw(padded(name))
    async with db.transaction() as session:
        person = await staff_repo.add_staff(
            session,
            name=name,
            department_name="民事审判第一庭",
            roles=[Role.HANDLER],
            at=AT,
            actor="test",
            new_department=True,
        )
        assert (await staff_repo.find_staff(session, typed)).id == person.id
        assert [p.id for p in await staff_repo.named(session, typed)] == [person.id]
        # Registered as typed, the padded name is stored as the court writes it.
        again = await staff_repo.add_staff(
            session, name=typed, department_name=None, roles=[Role.LEADER], at=AT, actor="test"
        )
        assert again.name == name
        await staff_repo.disable_staff(session, again, at=AT, actor="test")
        assert (await staff_repo.find_staff(session, name)).id == person.id
        changed = await staff_repo.change_staff(
            session, again, name=typed + "\u3000", at=AT, actor="test"
        )
        assert changed is None and again.name == name  # nothing changed: the same name
        await session.rollback()


def test_an_english_name_keeps_its_one_space() -> None:
    assert staff_repo.person_name(" John\t\u00a0Smith\u3000") == "John Smith"
    assert staff_repo.person_key("JOHN SMITH") == staff_repo.person_key("john\u3000smith")
    assert staff_repo.person_name("买买提 · 艾力") == "买买提·艾力"


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_staff_add_refuses_the_padded_double_entry_and_commands_take_it(
    config: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    data: st.DataObject,
) -> None:
    """F12: ``staff add --name '张　伟'`` beside 张伟 of the same department is the double
    entry ``staff add --name 张伟`` is; ``staff invite '张　伟'`` invites 张伟."""
    name = data.draw(NAMES)
    typed = data.draw(padded(name))
    status, lines = guowen(config, "staff", "list")
    known = {staff_repo.person_key(line.split(maxsplit=2)[1]) for line in lines[1:]}
    first = ("--new-department", "--department", "民事审判第一庭", "--role", "handler")
    if staff_repo.person_key(name) not in known:
        assert guowen(config, "staff", "add", "--name", name, *first)[0] == 0
    status, lines = guowen(config, "staff", "list")
    [row] = [line for line in lines[1:] if line.split(maxsplit=2)[1] == name]
    number = int(row.split()[0])
    capsys.readouterr()
    again = ("--department", "民事审判第一庭\u3000", "--role", "handler")
    assert guowen(config, "staff", "add", "--name", typed, *again) == (2, [])
    assert only_error(capsys) == t(
        None, "cli.staff_duplicate", id=number, name=name, department="民事审判第一庭"
    )
    status, lines = guowen(config, "staff", "invite", typed)
    assert status == 0 and name in lines[0], lines
