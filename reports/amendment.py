"""A correction (更正) as a document prints it: the field by its label, the values in words.

A ``RecordAmendment`` stores the record's column name (``storage.records.FIELDS``) and the old
and new values as canonical JSON. No document shows either as stored: the field goes through
the form's one label table (``[field]`` of ``reports/locale``, the column's title), and a
value is read back and worded like the form words it (an Art. 9 item by its text, a channel
or unit category by its name, a time in the court's zone, yes or no). A value that is not
JSON, or a field no table knows, is shown exactly as stored: a correction is evidence and is
never dropped.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from reports.text import art9_name, catalog, tr, vocab, yes_no
from storage.lists import join_list
from storage.vocabulary import (
    NONE_ANSWER,
    Channel,
    Intermediary,
    Language,
    MaterialRoute,
    OriginalsDestination,
    RecordKind,
    UnitCategory,
)

# A stored column whose label is another column's, the one the form prints it under.
COLUMN_OF: dict[str, str] = {
    "department_id": "department",
    "art9_items": "art9",
    "material_route": "route",
    "originals_destination": "originals",
}
ENUMS: dict[str, type[StrEnum]] = {
    "kind": RecordKind,
    "channel": Channel,
    "unit_category": UnitCategory,
    "intermediary": Intermediary,
    "material_route": MaterialRoute,
    "originals_destination": OriginalsDestination,
}
TIMES = frozenset({"received_at", "inquiry_at"})


def label_key(name: str) -> str:
    """The catalog key of stored field ``name``'s label, ``field.<column>``."""
    return f"field.{COLUMN_OF.get(name, name)}"


def field_label(name: str, language: Language) -> str:
    """Stored field ``name`` (e.g. ``summary``) by its label on the form (过问内容); a name
    no table knows is shown as stored."""
    if label_key(name) not in catalog(language):
        return name
    return tr(language, f"field.{COLUMN_OF.get(name, name)}")


def value_words(
    name: str, stored: str, language: Language, tz: ZoneInfo, *, day_only: bool = False
) -> str:
    """Stored value ``stored`` (canonical JSON) of field ``name`` in words; ``stored`` itself
    when it is no JSON. A time that stood for a day only (``day_only``) is that day with the
    words for time unknown (``form.day_only``)."""
    try:
        value: Any = json.loads(stored)
    except ValueError:
        return stored
    if value is None or value == "":
        return tr(language, "common.blank")
    if isinstance(value, bool):
        return yes_no(value, language)
    if name in ENUMS and isinstance(value, str):
        return vocab(ENUMS[name], value, language)
    if name in TIMES and isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        if day_only:
            return tr(language, "form.day_only", day=moment.astimezone(tz).strftime("%Y-%m-%d"))
        return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    if name == "art9_items" and isinstance(value, list):
        if not value:
            return tr(language, "common.none")
        return join_list(
            language.value,
            (f"({n}) {art9_name(n, language)}" if isinstance(n, int) else str(n) for n in value),
        )
    if isinstance(value, list):  # the court staff present, by name
        if not value:
            return tr(language, "common.none")
        return join_list(language.value, (str(item) for item in value))
    if value == NONE_ANSWER:  # the answer none (nobody else present), in words
        return tr(language, "common.none")
    if isinstance(value, str):
        return value
    return stored
