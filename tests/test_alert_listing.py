"""Art. 7's list (``reports.figures.on_art7_list``) as those alerted are told of it.

A correction that takes a record off the list to report upward, or puts it back, is told
to everyone its Art. 7 alerts reached, whatever field changed it (its 来源 to an Art. 5
reference opinion and back; a flag's change is told as ``alerts.changed``), and /record
says whether the record is on the list now, not only that it once was.
"""

from __future__ import annotations

import itertools

from dialogue import (
    AMEND,
    CASE_NUMBER,
    EXTERNAL,
    NO,
    REFERENCE,
    YES,
    Court,
    Press,
    phone_record,
    says,
)
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from storage.db import Database

WATCHERS = ("李刚", "刘洋", "陈静")
"""Discipline, trial management (and compiler), the leader: both alerts' recipients."""

Step = tuple[str, bool]
"""``("kind", True)``: 来源 corrected to the other of external / reference opinion;
``(flag, value)``: the flag corrected to ``value``."""

_examples = itertools.count(1)


def _head(key: str, facts: dict[str, str]) -> str:
    """The words of the notice ``key`` before its reason."""
    return says(key, **facts, reason="").split("原因")[0]


@settings(
    max_examples=12,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    phases=[Phase.explicit, Phase.generate],  # examples share one court: never shrunk
)
@given(
    start=st.sampled_from([(True, False), (False, True), (True, True)]),
    steps=st.lists(
        st.tuples(st.just("kind"), st.just(True))
        | st.tuples(st.sampled_from(["serious", "main_leader"]), st.booleans()),
        min_size=1,
        max_size=4,
    ),
)
async def test_a_correction_that_moves_a_record_on_or_off_the_art7_list_is_told(
    court: Court, db: Database, start: tuple[bool, bool], steps: list[Step]
) -> None:
    del db
    n = next(_examples)
    judge = court.chat("张伟")
    inquirer, number = f"王{n}号", f"温法过问〔2026〕{n}号"
    flags = {"serious": start[0], "main_leader": start[1]}
    script = phone_record(
        inquirer=inquirer,
        number=number,
        draft=n,
        serious=YES if flags["serious"] else NO,
        main_leader=YES if flags["main_leader"] else NO,
    )
    for action, _ in script:
        await judge.act(action)
    external, listed_told = True, True
    alerted = {flag for flag, value in flags.items() if value}
    notices = ("alerts.listed", "alerts.unlisted")
    expected: list[str] = []
    facts = {
        "title": number,
        "handler": "张伟",
        "inquirer": inquirer,
        "unit": "温县某局",
        "case": CASE_NUMBER,
    }
    for index, (what, value) in enumerate(steps):
        reason = f"更正{n}-{index}"
        await judge.act(f"/record {number}")
        await judge.act(Press(AMEND))
        if what == "kind":
            external = not external
            await judge.act(Press(says("card.kind")))
            await judge.act(Press(EXTERNAL if external else REFERENCE))
            told_as_changed = False
        else:
            await judge.act(Press(says(f"card.{what}")))
            await judge.act(Press(YES if value else NO))
            told_as_changed = what in alerted and flags[what] != value
            flags[what] = value
            if value:
                alerted.add(what)
        await judge.act(reason)
        now = any(flags.values()) and external
        if now != listed_told and not told_as_changed:
            expected.append(says(notices[0] if now else notices[1], **facts, reason=reason))
        listed_told = now

    for name in WATCHERS:
        heard = [
            m.text
            for m in court.chat(name).inbox()
            if f"过问人 {inquirer}（" in m.text
            and any(m.text.startswith(_head(key, facts)) for key in notices)
        ]
        assert heard == expected, name
    # /record reads the list as it stands now.
    card = "\n".join(m.text for m in await judge.act(f"/record {number}"))
    if "main_leader" in alerted:
        listed = flags["main_leader"] and external
        key = "views.upward_listed" if listed else "views.upward_unlisted"
        other = "views.upward_unlisted" if listed else "views.upward_listed"
        assert says(key, at="")[:12] in card  # the words before the time
        assert says(other, at="")[:12] not in card
