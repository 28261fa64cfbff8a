"""Art. 7: whoever was alerted about a record hears of every later change to that fact.

A serious case and a same-level main leader alert the same people: discipline, trial
management and the leaders. The flag may then be set and unset again, in the draft (an
edit at the review card) or after submission (a correction), and the draft may be
withdrawn: each change reaches everyone alerted so far, old → new with the reason, and the
withdrawal with its reason; a submission reaches once everyone alerted while it was a draft,
with the record number and the case; nothing reaches them twice, nobody hears of a flag
never set, and everyone alerted about a submitted record ends knowing its number and case.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from dialogue import (
    AMEND,
    CASE_NAME,
    CASE_NUMBER,
    EDIT,
    NO,
    SUBMIT,
    YES,
    Court,
    Press,
    dialogue,
    phone_record,
    says,
)
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from storage.db import Database

_COMMON: dict[str, Any] = {
    "deadline": None,
    "database": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    # The examples share one court and database: a shrunk example would meet the drafts
    # of those before it, so a failure is reported as found.
    "phases": [Phase.explicit, Phase.reuse, Phase.generate],
}
FAST = settings(max_examples=15, derandomize=True, **_COMMON)

WATCHERS = ("李刚", "刘洋", "陈静")
"""Discipline, trial management (and compiler), the leader: both alerts' recipients."""
FLAGS = {"serious": WATCHERS, "main_leader": WATCHERS}
"""Each flag's column and who its alert goes to: the same people for both (Art. 7)."""
ALERT = {"serious": "alerts.serious", "main_leader": "alerts.upward"}

Op = tuple[str, str, bool]
"""``("set", flag, value)``: the flag answered anew (at the review card while a draft, by
a correction once submitted); ``("case", "", True)``: the case number answered anew at the
review card; ``("submit", "", True)``; ``("withdraw", "", True)``."""


def ops() -> st.SearchStrategy[list[Op]]:
    change = st.tuples(st.just("set"), st.sampled_from(sorted(FLAGS)), st.booleans())
    case = st.just(("case", "", True))
    end = st.sampled_from([("submit", "", True), ("withdraw", "", True)])
    return st.tuples(st.lists(change | case, max_size=4), end, st.lists(change, max_size=3)).map(
        lambda parts: [*parts[0], parts[1], *(parts[2] if parts[1][0] == "submit" else [])]
    )


@dataclass
class Model:
    """What each watcher should have been told so far about one record."""

    inquirer: str
    values: dict[str, bool]
    case: str = ""
    told: dict[str, list[str]] = field(default_factory=dict)
    last: dict[str, bool] = field(default_factory=dict)
    numbered: set[str] = field(default_factory=set)
    """Those told something since the record has its number."""
    expected: dict[str, list[str]] = field(default_factory=lambda: {n: [] for n in WATCHERS})

    def facts(self, title: str) -> dict[str, object]:
        return {
            "title": title,
            "handler": "张伟",
            "inquirer": self.inquirer,
            "unit": "温县某局",
            "case": self.case or says("card.missing"),
        }

    def change(self, flag: str, value: bool, title: str, reason: str) -> None:
        self.values[flag] = value
        if flag not in self.last:
            if value:
                self.told[flag] = list(FLAGS[flag])
                self.last[flag] = True
                for name in FLAGS[flag]:
                    key = ALERT[flag]
                    if key == "alerts.upward" and title.startswith("草稿"):
                        key = "alerts.upward_draft"  # listed as an unsubmitted draft
                    self.expected[name].append(says(key, **self.facts(title)))
                    self._heard(name, title)
            return
        if self.last[flag] == value:
            return
        if value:
            self.told[flag] += [n for n in FLAGS[flag] if n not in self.told[flag]]
        text = says(
            "alerts.changed",
            **self.facts(title),
            flag=says(f"card.{flag}"),
            old=YES if self.last[flag] else NO,
            new=YES if value else NO,
            reason=reason,
        )
        for name in self.told[flag]:
            self.expected[name].append(text)
            self._heard(name, title)
        self.last[flag] = value

    def _heard(self, name: str, title: str) -> None:
        if not title.startswith("草稿"):
            self.numbered.add(name)

    def submit(self, draft: str, number: str) -> None:
        text = says(
            "alerts.submitted",
            **self.facts(number),
            draft=draft,
            case_name=CASE_NAME,
            case_number=self.case,
            serious=YES if self.values.get("serious") else NO,
            main_leader=YES if self.values.get("main_leader") else NO,
        )
        for name in WATCHERS:
            if any(name in self.told.get(f, []) for f in FLAGS) and name not in self.numbered:
                self.expected[name].append(text)
                self.numbered.add(name)

    def withdraw(self, title: str, reason: str) -> None:
        for flag in ("serious", "main_leader"):  # the order the alerts are checked in
            for name in self.told.get(flag, []):
                self.expected[name].append(
                    says(
                        "alerts.withdrawn",
                        **self.facts(title),
                        flag=says(f"card.{flag}"),
                        reason=reason,
                    )
                )


_examples = itertools.count(1)
_numbers = itertools.count(1)
_cases = itertools.count(500)


def _about(court: Court, name: str, inquirer: str) -> list[str]:
    return [m.text for m in court.chat(name).inbox() if f"过问人 {inquirer}（" in m.text]


@FAST
@given(start=st.tuples(st.booleans(), st.booleans()), steps=ops())
async def test_everyone_alerted_hears_of_each_change_and_the_withdrawal(
    court: Court, db: Database, start: tuple[bool, bool], steps: list[Op]
) -> None:
    n = next(_examples)
    judge = court.chat("张伟")
    inquirer = f"王{n}号"
    draft = f"草稿 #{n}"
    serious, main_leader = start
    script = phone_record(
        inquirer=inquirer,
        draft=n,
        serious=YES if serious else NO,
        main_leader=YES if main_leader else NO,
    )
    model = Model(inquirer, {})
    for action, _ in script[:-1]:
        await judge.act(action)
    # The dialogue asks main_leader first, serious last.
    model.change("main_leader", main_leader, draft, "")  # asked before the case
    model.case = CASE_NUMBER
    model.change("serious", serious, draft, "")
    title = draft
    for number, (kind, flag, value) in enumerate(steps):
        answer = YES if value else NO
        if kind == "set" and title == draft:
            await dialogue(
                judge,
                [
                    (Press(EDIT), says("intake.edit_which")),
                    (Press(says(f"card.{flag}")), answer),
                    (Press(answer), says("intake.review")),
                ],
            )
            model.change(flag, value, title, says("alerts.draft_reason"))
        elif kind == "set":
            reason = f"更正{n}-{number}"
            await judge.act(f"/record {title}")
            await judge.act(Press(AMEND))
            await judge.act(Press(says(f"card.{flag}")))
            await judge.act(Press(answer))
            await judge.act(reason)  # an unchanged value is stored as no change
            model.change(flag, value, title, reason)
        elif kind == "case":
            model.case = f"（2026）豫0825民初{next(_cases)}号"
            await judge.act(Press(EDIT))
            await judge.act(Press(says("card.case_number")))
            shown = await judge.act(model.case)
            assert any(says("intake.review") in m.text for m in shown), shown
        elif kind == "submit":
            title = f"温法过问〔2026〕{next(_numbers)}号"
            await dialogue(judge, [(Press(SUBMIT), says("intake.submitted", number=title))])
            model.submit(draft, title)
        elif kind == "withdraw":
            reason = f"撤回{n}"
            await dialogue(judge, [(f"/cancel {reason}", says("intake.withdrawn", title=draft))])
            model.withdraw(draft, reason)

    for name in WATCHERS:
        heard = _about(court, name, inquirer)
        assert heard == model.expected[name], name
        if heard and title != draft:
            assert any(title in m and model.case in m for m in heard), (name, heard)
