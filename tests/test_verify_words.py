"""``guowen verify`` names what differs in words the discipline office reads.

Every item a cross-check can name (a record's fields and co-signers, a person's, a
department's, an account's, an amendment's, an evidence item's, a reminder's) is said with a
label in each language, the database's own name beside it for IT staff; never the bare name.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.maintenance import column_words
from storage.crosscheck import FAILED_KEYS, SENT_KEYS
from storage.evidence import item_payload
from storage.models import EvidenceItem, Record
from storage.records import snapshot
from storage.vocabulary import Language

AT = datetime(2026, 3, 6, tzinfo=UTC)


def _record_names() -> set[str]:
    names = set(snapshot(Record())) | {"cosigners", "offline"}
    return names | {"platform_entered_at", "platform_ref", "form_delivered_at", "withdraw_reason"}


def _item_names() -> set[str]:
    item = EvidenceItem(
        received_at=AT,
        added_at=AT,
        caption="附言",
        forward_sender="某",
        forward_chat="某群",
        forward_sent_at=AT,
    )
    return set(item_payload(item, None))


NAMES = {
    "record": _record_names(),
    "item": _item_names(),
    "staff": {"name", "department", "roles", "active", "language"},
    "department": {"name"},
    "identity": {"chat_id", "staff"},
    "amendment": {"field", "old", "new", "reason", "by"},
    "reminder": {*SENT_KEYS, *FAILED_KEYS},
}


@pytest.mark.parametrize("language", list(Language))
@pytest.mark.parametrize(
    ("subject", "name"), sorted((s, n) for s, names in NAMES.items() for n in names)
)
def test_every_item_verify_can_name_has_a_label(
    language: Language, subject: str, name: str
) -> None:
    words = column_words(language, name, subject)
    assert words != name, (subject, name)
    assert words.endswith(("（" + name + "）", "(" + name + ")")), words


@given(
    staff_id=st.integers(min_value=1, max_value=10**6),
    signer=st.text(alphabet="王李张刘陈某甲乙", min_size=1, max_size=4),
    language=st.sampled_from(list(Language)),
)
def test_a_co_signers_confirmation_is_named_with_who(
    staff_id: int, signer: str, language: Language
) -> None:
    assert f"#{staff_id}" in column_words(language, f"cosigner {staff_id}")
    assert signer in column_words(language, f"offline {signer}")
    assert "cosigner" not in column_words(language, f"cosigner {staff_id}")


def test_a_name_no_catalog_knows_is_given_as_it_is() -> None:
    assert column_words(Language.ZH, "some_new_column", "staff") == "some_new_column"
