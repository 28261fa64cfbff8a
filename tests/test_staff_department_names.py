"""One division, one department: a name typed another way never makes a second one.

A court's IT clerk writes "民事审判第一庭" one day and "民事审判第一庭 " (pasted) or
"民事审判第一庭" in full-width the next; a handler's breaches go to their department's
integrity officer (Art. 10), so a second department for the same division would leave that
officer unaware. Names are compared after NFKC and whitespace. Storage makes a department
only when asked to; ``staff add`` asks for a name no department has (DESIGN's command line),
and says so beside the departments there unless ``--new-department`` says it is meant.
"""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_cli_staff import but_office_notes, config, guowen  # noqa: F401

from bot import cli
from handlers.i18n import t
from storage import staff as staff_repo
from storage.db import Database
from storage.staff import StaffError, StaffProblem
from storage.vocabulary import Language, Role

AT = datetime(2026, 3, 6, 2, 0, tzinfo=UTC)
# The court's own full-width brackets are compared as plain ones and kept as first written.
EXISTING = ("民事审判第一庭", "Civil Division 2", "执行局（二组）")
# Whitespace a pasted or typed name may carry: ASCII, ideographic (full-width) and no-break.
SPACES = st.text(alphabet=" \t\u3000\u00a0\u2002", max_size=3)


def full_width(text: str) -> str:
    """``text`` as a Chinese keyboard in full-width mode types it."""
    return "".join(
        chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else "\u3000" if c == " " else c for c in text
    )


@st.composite
def variants(draw: st.DrawFn) -> tuple[str, str]:
    """An existing department's name and a way of typing it that means the same department."""
    name = draw(st.sampled_from(EXISTING))
    typed = draw(
        st.sampled_from(
            [
                name,
                full_width(name),
                name.upper(),
                name.lower(),
                unicodedata.normalize("NFKC", name),
            ]
        )
    )
    inner = draw(SPACES.filter(bool)) if " " in typed or "\u3000" in typed else None
    if inner is not None:
        typed = typed.replace(" ", inner).replace("\u3000", inner)
    return name, draw(SPACES) + typed + draw(SPACES)


async def seed(db: Database) -> None:
    async with db.transaction() as session:
        if await staff_repo.departments(session):
            return
        for index, name in enumerate(EXISTING):
            await staff_repo.add_staff(
                session,
                name=f"承办人{index}",
                department_name=name,
                roles=[Role.HANDLER],
                at=AT,
                actor="test",
                new_department=True,
            )


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(variant=variants())
async def test_a_name_typed_another_way_is_the_existing_department(
    db: Database, variant: tuple[str, str]
) -> None:
    name, typed = variant
    await seed(db)
    async with db.transaction() as session:
        before = [d.name for d in await staff_repo.departments(session)]
        found = await staff_repo.find_department(session, typed)
        assert found is not None and found.name == name
        person = await staff_repo.add_staff(
            session,
            name="王芳",
            department_name=typed,
            roles=[Role.INTEGRITY_OFFICER],
            at=AT,
            actor="test",
            new_department=True,  # even when asked for, the existing one is used
        )
        assert person.department is not None and person.department.name == name
        assert [d.name for d in await staff_repo.departments(session)] == before
        await session.rollback()


NEW_NAMES = st.text(
    alphabet=st.characters(categories=["Lo", "Lu", "Ll", "Nd", "Zs"]), min_size=1, max_size=12
).filter(
    lambda name: (
        bool(name.strip())
        and staff_repo.department_key(name) not in {staff_repo.department_key(n) for n in EXISTING}
    )
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(name=NEW_NAMES)
async def test_a_new_name_is_refused_unless_a_new_department_is_asked_for(
    db: Database, name: str
) -> None:
    await seed(db)
    with pytest.raises(StaffError) as refused:
        async with db.transaction() as session:
            await staff_repo.add_staff(
                session,
                name="王芳",
                department_name=name,
                roles=[Role.INTEGRITY_OFFICER],
                at=AT,
                actor="test",
            )
    assert refused.value.problem is StaffProblem.DEPARTMENT_UNKNOWN
    async with db.transaction() as session:
        assert [d.name for d in await staff_repo.departments(session)] == list(EXISTING)
        person = await staff_repo.add_staff(
            session,
            name="王芳",
            department_name=name,
            roles=[Role.INTEGRITY_OFFICER],
            at=AT,
            actor="test",
            new_department=True,
        )
        stored = " ".join(name.split())  # as typed, spaces tidied
        assert person.department is not None and person.department.name == stored
        await session.rollback()


def add(name: str, department: str, role: str, *more: str) -> tuple[str, ...]:
    return ("staff", "add", "--name", name, "--department", department, "--role", role, *more)


@pytest.mark.parametrize("language", [Language.ZH, Language.EN])
def test_the_trial_steps_keep_one_division(
    config: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    language: Language,
) -> None:
    config.write_text(
        config.read_text(encoding="utf-8") + f'\n[court]\nlanguage = "{language.value}"\n',
        encoding="utf-8",
    )
    lang = language

    def err() -> list[str]:
        return but_office_notes(capsys.readouterr().err, lang)

    # No department yet: the first is made as DESIGN's command line has it, without a note.
    status, lines = guowen(config, *add("张伟", "民事审判第一庭", "handler"))
    assert status == 0
    assert lines[0] == t(lang, "cli.department_created", department="民事审判第一庭")
    # A handler and no integrity officer: said, not refused.
    assert err() == [t(lang, "cli.department_no_officer", department="民事审判第一庭")]

    # The short name of the same division: made, but said beside the departments there, and
    # its officer is pointed out as having no handler.
    status, lines = guowen(config, *add("王芳", "民一庭", "integrity_officer"))
    assert status == 0
    assert lines[0] == t(lang, "cli.department_created", department="民一庭")
    assert err() == [
        t(lang, "cli.department_new_beside", department="民一庭", known="民事审判第一庭"),
        t(lang, "cli.department_no_handler", department="民一庭"),
    ]
    assert guowen(config, "staff", "disable", "王芳")[0] == 0
    capsys.readouterr()

    # Pasted with a trailing (here full-width) space: the stored name is echoed, no new one.
    status, lines = guowen(config, *add("王芳", "民事审判第一庭\u3000 ", "integrity_officer"))
    assert status == 0
    assert lines == [
        t(
            lang,
            "cli.staff_added",
            id=3,
            name="王芳",
            department="民事审判第一庭",
            roles=cli._roles_text([Role.INTEGRITY_OFFICER], lang),
        )
    ]
    assert err() == []  # the division now has both
    rows = guowen(config, "staff", "list")[1][1:]
    assert {row.split("\t")[2] for row in rows if row.split("\t")[0] in ("1", "3")} == {
        "民事审判第一庭"
    }
    assert err() == []

    # An officer of a department with no handler is pointed out by add and by list.
    status, _ = guowen(config, *add("孙丽", "刑事审判庭", "integrity_officer", "--new-department"))
    assert status == 0
    note = t(lang, "cli.department_no_handler", department="刑事审判庭")
    assert err() == [note]
    guowen(config, "staff", "list")
    assert err() == [note]
    # Once its handler is disabled, the division has an officer and no handler again.
    assert guowen(config, "staff", "disable", "1")[0] == 0
    guowen(config, "staff", "list")
    assert err() == [t(lang, "cli.department_no_handler", department="民事审判第一庭"), note]
