"""The documents' own catalog (``reports/locale``) is complete in both languages, and every
key the code prints exists and gets its values."""

from __future__ import annotations

import ast
import re
import string
from collections.abc import Iterator
from pathlib import Path

from reports.columns import COLUMNS, FORM_ONLY
from reports.form import SECTIONS
from reports.text import catalog
from storage.vocabulary import Language

REPO = Path(__file__).resolve().parent.parent
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


def placeholders(text: str) -> set[str]:
    return {
        re.split(r"[.\[!:]", name, maxsplit=1)[0]
        for _, name, _, _ in string.Formatter().parse(text)
        if name is not None
    }


def test_both_languages_have_the_same_keys_and_placeholders() -> None:
    zh, en = catalog(Language.ZH), catalog(Language.EN)
    assert sorted(set(zh) ^ set(en)) == []
    assert {
        k: (placeholders(zh[k]), placeholders(en[k]))
        for k in zh
        if placeholders(zh[k]) != placeholders(en[k])
    } == {}
    assert [k for k, v in {**zh, **en}.items() if not v.strip()] == []


def test_english_is_english_and_chinese_is_chinese() -> None:
    assert [k for k, v in catalog(Language.EN).items() if HAN.search(v)] == []
    untranslated = [
        key
        for key, text in catalog(Language.ZH).items()
        if re.search("[A-Za-z]", re.sub(r"\{[^}]*\}", "", text)) and not HAN.search(text)
    ]
    assert untranslated == ["form.evidence_sha256"]  # "SHA-256" is its name in Chinese too


def _keys(expr: ast.expr, scope: ast.AST) -> Iterator[str | re.Pattern[str]]:
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        yield expr.value
    elif isinstance(expr, ast.IfExp):
        yield from _keys(expr.body, scope)
        yield from _keys(expr.orelse, scope)
    elif isinstance(expr, ast.Name):
        for node in ast.walk(scope):
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == expr.id for t in node.targets
            ):
                yield from _keys(node.value, scope)
    elif isinstance(expr, ast.JoinedStr):
        yield re.compile(
            "".join(
                re.escape(p.value) if isinstance(p, ast.Constant) else r"[\w\-.]+"
                for p in expr.values
            )
        )
    else:
        raise AssertionError(f"a key the scan cannot read: {ast.dump(expr)}")


def scopes_of(tree: ast.Module) -> dict[ast.AST, ast.AST]:
    """Each node's innermost enclosing function (the module for top-level code)."""
    scopes: dict[ast.AST, ast.AST] = {}

    def visit(node: ast.AST, scope: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            scopes[child] = scope
            function = isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            visit(child, child if function else scope)

    visit(tree, tree)
    return scopes


def uses() -> Iterator[tuple[str, str | re.Pattern[str], frozenset[str] | None]]:
    for path in sorted((REPO / "reports").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        scopes = scopes_of(tree)
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            if node.func.id != "tr":
                continue
            given = None
            if all(k.arg is not None for k in node.keywords):
                given = frozenset(k.arg for k in node.keywords if k.arg)
            for key in _keys(node.args[1], scopes[node]):
                yield f"{path.name}:{node.lineno}", key, given


def test_every_key_the_documents_print_exists_and_gets_its_values() -> None:
    known = catalog(Language.ZH)
    missing, unfilled = [], []
    count = 0
    for where, key, given in uses():
        count += 1
        if isinstance(key, re.Pattern):
            if not any(key.fullmatch(k) for k in known):
                missing.append(f"{where}: {key.pattern}")
        elif key not in known:
            missing.append(f"{where}: {key}")
        elif given is not None and not placeholders(known[key]) <= given:
            unfilled.append(f"{where}: {key}")
    assert count > 60
    assert missing == [] and unfilled == []


def test_every_column_and_section_has_its_words() -> None:
    for language in Language:
        names = catalog(language)
        assert [c.key for c in COLUMNS if f"field.{c.key}" not in names] == []
        assert [s for s, _ in SECTIONS if f"form.section.{s}" not in names] == []


def test_the_form_sections_follow_the_column_order() -> None:
    """The detail sheet's columns read in the order of the printed form."""
    order = [c.key for c in COLUMNS]
    # The form's own lines (Art. 9 item 14's text): the sheet puts them in the items' cell.
    form_only = {c.key for c in FORM_ONLY} - set(order)
    assert form_only == {"art9_other"}
    keys = [key for _, run in SECTIONS for key in run if key not in form_only]
    assert keys == order[: len(keys)]
