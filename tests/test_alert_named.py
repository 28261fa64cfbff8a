"""Art. 7: whoever was alerted about a record is told when the person the alert named changes.

Every Art. 7 message names the inquirer, ``过问人 name（unit）``. The person may change after
the alert: the name or unit answered anew at the review card, the person written as the
inquirer moved to the intermediary and the leading cadre given (``…是转达者，改填领导干部``,
which clears the inquirer's answers and Art. 7's flag and asks them again), the flag
answered 否 and 是 again with the person changed in between, or, once submitted, the name or
unit corrected. Over sequences of these, each person alerted last heard the record's
current person, nobody is told while the answers are being given again (an unanswered flag
or name is no change: the next answer is), and nothing reaches anyone twice.
"""

from __future__ import annotations

import itertools
from typing import Any

from dialogue import (
    AMEND,
    CASE_NUMBER,
    EDIT,
    NO,
    SUBMIT,
    YES,
    Court,
    Press,
    all_records,
    asks,
    dialogue,
    lab,
    phone_record,
    says,
)
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from handlers.fields import Step
from storage.db import Database
from storage.vocabulary import Intermediary, UnitCategory

WATCHERS = ("李刚", "刘洋", "陈静")
"""Discipline, trial management (and compiler), the leader: both alerts' recipients."""

Op = tuple[str, str]
"""``("name", new)``, ``("unit", new)``: answered anew at the review card, or corrected once
submitted; ``("flag", "")``: Art. 7's main leader answered 否 and then 是 again;
``("move", new)``: the inquirer moved to the intermediary, ``new`` given as the cadre (a
draft whose inquirer came directly only); ``("submit", "")``."""

_names = itertools.count(1)
_examples = itertools.count(1)
_numbers = itertools.count(1)


NEW = {"name": "赵{}号", "unit": "温县第{}局", "move": "钱{}号"}
"""A new answer of each kind, numbered so that no two are alike."""


def ops() -> st.SearchStrategy[list[Op]]:
    change = st.sampled_from(["name", "unit", "flag", "move", "submit"])
    return st.lists(change, max_size=5).map(
        lambda found: [(kind, NEW.get(kind, "").format(next(_names))) for kind in found]
    )


def heard(court: Court, name: str, since: int) -> list[str]:
    """The Art. 7 messages (each names the inquirer) ``name`` got after the first ``since``."""
    return [m.text for m in court.chat(name).inbox()[since:] if "过问人 " in m.text]


def person(name: str, unit: str) -> str:
    return f"过问人 {name}（{unit}）"


async def _answer_again(judge: Any, field: str, value: str) -> None:
    await dialogue(
        judge,
        [
            (Press(EDIT), says("intake.edit_which")),
            (Press(says(f"card.{field}")), asks(Step(field))),
            (Press(value) if value in (YES, NO) else value, says("intake.review")),
        ],
    )


async def _correct(judge: Any, title: str, field: str, value: str, reason: str) -> None:
    await judge.act(f"/record {title}")
    await judge.act(Press(AMEND))
    await judge.act(Press(says(f"card.{field}")))
    await judge.act(Press(value) if value in (YES, NO) else value)
    replies = await judge.act(reason)
    assert any(says("amend.done", title=title) in m.text for m in replies), replies


async def _move(court: Court, judge: Any, name: str, unit: str, before: str) -> None:
    """The trial's path: 经由 → 身边工作人员 → ``…是转达者，改填领导干部``, the cadre's
    answers given again; nobody told until Art. 7's flag is answered again."""
    sizes = {w: len(court.chat(w).inbox()) for w in WATCHERS}
    await dialogue(
        judge,
        [
            (Press(EDIT), says("intake.edit_which")),
            (Press(says("card.intermediary")), asks(Step.INTERMEDIARY)),
            (Press(lab(Intermediary.STAFF)), asks(Step.INTERMEDIARY_NAME)),
            (
                Press(says("intake.move_inquirer", name=before)),
                says("intake.inquirer_moved", name=before),
            ),
            (name, asks(Step.INQUIRER_UNIT)),
            (unit, asks(Step.INQUIRER_POSITION)),
            ("书记", asks(Step.UNIT_CATEGORY)),
            (Press(lab(UnitCategory.PARTY)), asks(Step.RETIRED)),
            (Press(NO), asks(Step.MAIN_LEADER)),
        ],
    )
    for watcher in WATCHERS:  # the answers are being given again: nothing to tell yet
        assert heard(court, watcher, sizes[watcher]) == [], watcher
    await dialogue(
        judge,
        [
            (Press(YES), asks(Step.INTERMEDIARY_RELATION)),
            (Press(says("intake.skip")), says("intake.review")),
        ],
    )


@settings(
    max_examples=25,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
@given(steps=ops())
@example(steps=[("move", "王建国")])  # the trial's: the intermediary written as the cadre
@example(steps=[("submit", ""), ("name", "王建华"), ("unit", "县政法委")])  # corrected
async def test_everyone_alerted_last_heard_the_person_the_record_names(
    court: Court, db: Database, steps: list[Op]
) -> None:
    judge = court.chat("张伟")
    n = next(_examples)
    since = {w: len(court.chat(w).inbox()) for w in WATCHERS}
    name, unit = f"王{n}号", "温县某局"
    script = phone_record(inquirer=name, main_leader=YES)
    for action, _ in script[:-1]:
        await judge.act(action)
    draft = f"草稿 #{max(r.id for r in await all_records(db))}"
    title, direct, told = draft, True, 1
    # Each example ends submitted: the next one's /new starts a record of its own.
    for number, (kind, value) in enumerate([*steps, ("submit", "")]):
        reason = f"核实更正{n}-{number}"
        before = says("alerts.person", inquirer=name, unit=unit)
        changed = True
        if kind == "submit":
            if title != draft:
                continue
            title = f"温法过问〔2026〕{next(_numbers)}号"
            replies = await judge.act(Press(SUBMIT))
            assert any(says("intake.submitted", number=title) in m.text for m in replies)
            changed = False
        elif kind == "move":
            if title != draft or not direct:
                continue
            await _move(court, judge, value, "县委", name)
            name, unit, direct = value, "县委", False
        elif kind == "flag":
            for answer in (NO, YES):
                if title == draft:
                    await _answer_again(judge, "main_leader", answer)
                else:
                    await _correct(judge, title, "main_leader", answer, reason)
            told += 2  # 是 → 否, then 否 → 是: each a change of the flag, told
            changed = False
        else:
            field = "inquirer_name" if kind == "name" else "inquirer_unit"
            if title == draft:
                await _answer_again(judge, field, value)
            else:
                await _correct(judge, title, field, value, reason)
            name, unit = (value, unit) if kind == "name" else (name, value)
        for watcher in WATCHERS:
            said = heard(court, watcher, since[watcher])
            # The person each last heard is the one the record names now.
            assert person(name, unit) in said[-1], (watcher, steps, said)
            assert all(one != two for one, two in itertools.pairwise(said)), said  # never twice
        if changed:
            told += 1
            why = reason if title != draft else says("alerts.draft_reason")
            named = says(
                "alerts.named",
                title=title,
                handler="张伟",
                old=before,
                inquirer=name,
                unit=unit,
                reason=why,
                case=CASE_NUMBER,
            )
            assert heard(court, WATCHERS[0], since[WATCHERS[0]])[-1] == named
    for watcher in WATCHERS:
        said = heard(court, watcher, since[watcher])
        submitted = 1 if title != draft else 0
        assert len(said) == told + submitted, (watcher, steps, said)
