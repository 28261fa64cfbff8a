"""The typed dialogue state: every intake question has its step name, and a state stored by
an older version, a newer one, or damaged loads without losing the files it held."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handlers.fields import FIELDS
from handlers.intake.common import question
from handlers.state import VERSION, DraftState, HeldFiles, LastAnswer, StepName

FILE = {"sha256": "ab" * 32, "kind": "photo", "file_id": "f1"}


def test_every_question_has_a_step_name_and_back() -> None:
    for field in FIELDS:
        assert question(field.step).question == field.step.value
    asked = {name.question for name in StepName if name.question is not None}
    assert asked == {field.step.value for field in FIELDS}


def test_a_state_round_trips_through_its_json() -> None:
    state = DraftState(
        step=StepName.ASK_INQUIRER_UNIT,
        record_id=3,
        history=["source", "inquirer_name"],
        asked=7,
        answer=LastAnswer(question=6, step="inquirer_name", text="王某"),
        art9=[1, 3],
        album="a1",
        resume=StepName.ASK_SUMMARY,
        held=HeldFiles(files=[FILE], caption="说明", forwarded_at=None, album=None),
        data={"raw": "x"},
    )
    stored = state.to_json()
    assert stored["v"] == VERSION
    assert DraftState.load(stored, state.step, state.record_id) == state


def test_the_untyped_state_of_earlier_versions_is_read() -> None:
    old = {
        "history": ["source"],
        "art9": [2],
        "resume": "intake.summary",
        "pending_files": [FILE],
        "pending_caption": "截图",
        "pending_forwarded": "2026-03-06T01:00:00+00:00",
        "pending_album": None,
        "record_id": 5,
    }
    state = DraftState.load(old, "intake.media", 9)
    assert state.step is StepName.INTAKE_MEDIA
    assert state.record_id == 9
    assert state.history == ["source"]
    assert state.resume is StepName.ASK_SUMMARY
    assert state.held == HeldFiles(
        files=[FILE], caption="截图", forwarded_at="2026-03-06T01:00:00+00:00"
    )
    assert state.data == {"record_id": 5}


@pytest.mark.parametrize(
    ("raw", "step"),
    [
        ({"v": 99, "whatever": 1, "held": {"files": [FILE]}}, "intake.summary"),
        ({"v": 1, "history": "not a list", "held": {"files": [FILE]}}, "intake.summary"),
        ({"v": 1, "held": {"files": [FILE]}}, "gone.step"),
    ],
    ids=["newer version", "damaged", "unknown step"],
)
def test_a_state_that_cannot_be_read_keeps_its_held_files(raw: object, step: str) -> None:
    """Loaded as no dialogue, on the same draft, still holding the files."""
    state = DraftState.load(raw, step, 4)
    assert state.record_id == 4
    assert state.held is not None and state.held.files == [FILE]
    assert state.step is None  # no dialogue open: the next message starts afresh


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=5),
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
        ),
        max_leaves=12,
    ),
    st.one_of(st.none(), st.sampled_from([s.value for s in StepName]), st.text(max_size=10)),
)
def test_any_stored_value_loads(raw: object, step: str | None) -> None:
    """Whatever the column holds, loading never raises and gives a usable state."""
    state = DraftState.load(raw, step, None)
    assert state.v == VERSION
    assert DraftState.load(state.to_json(), step, None).to_json() == state.to_json()
