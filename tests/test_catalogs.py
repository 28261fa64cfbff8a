"""The message catalogs are complete, and every sentence a person reads lives in them.

The code is read with ``ast``: each key handed to ``t``, ``ctx.t``, ``UserError`` or
``CliError`` (and each problem code a ``ConfigError`` carries) must exist, and the values given
with it must fill every placeholder of the message in both languages.
"""

from __future__ import annotations

import ast
import re
import string
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from handlers.i18n import catalogs, t
from reports.text import catalog as report_catalog
from storage.staff import StaffProblem
from storage.vocabulary import LABELS, Language, RecordStatus, Role

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "handlers", "storage", "reports", "reminders")
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0002a6df]")

# Chinese in code that is not interface text, each with the reason it may stay there.
CHINESE_ALLOWED: dict[tuple[str, str], str] = {
    ("handlers/i18n.py", "中文"): "an alias a person may type after /language",
    ("handlers/i18n.py", "简体中文"): "an alias a person may type after /language",
    ("handlers/i18n.py", "英文"): "an alias a person may type after /language",
    ("bot/cli.py", "过问记录机器人 / inquiry-record bot"): "the program's bilingual name in --help",
    ("bot/config.py", "人民法院"): "a default of [court] name, which each court sets",
    ("bot/config.py", "过问〔{year}〕{n}号"): "a default of [court] record_number",
    (
        "handlers/engine.py",
        "过问〔{year}〕{n}号",
    ): "the same default, for handlers run without a config",
}
# Words a person may type as an answer (or that a button sends back as its data).
TYPED_ANSWERS = {"是", "是的", "对", "否", "不是", "没有", "无", "返回", "上一步", "跳过"}
# Files whose Chinese is data or input grammar rather than interface text.
CHINESE_FILES = {
    "bot/demo.py": "the demo court's people and departments",
    "handlers/timeparse.py": "reads dates and times as people type them (今天, 下午3点)",
    "handlers/ocr.py": "recognises case numbers and units in text read from a picture",
    "handlers/refs.py": "reads record references as people type them (4号, 草稿 #2)",
    "handlers/words.py": "reads positions and a typed 否 at Art. 9 (原, 无)",
    "handlers/units.py": "reads unit names and positions (县委, 政法委, 书记)",
    "reminders/quarters.py": "reads quarters as a court writes them (2026年第三季度)",
}


def placeholders(text: str) -> set[str]:
    names = set()
    for _, field, _, _ in string.Formatter().parse(text):
        if field is not None:
            names.add(re.split(r"[.\[!:]", field, maxsplit=1)[0])
    return names


def keys() -> dict[str, set[str]]:
    """Every key and the placeholders its message needs, in any language."""
    found: dict[str, set[str]] = {}
    for messages in catalogs().values():
        for key, text in messages.items():
            found.setdefault(key, set()).update(placeholders(text))
    return found


# The catalogs themselves


def test_both_languages_have_the_same_keys() -> None:
    zh, en = catalogs()[Language.ZH], catalogs()[Language.EN]
    assert sorted(set(zh) - set(en)) == [], "only in zh-CN"
    assert sorted(set(en) - set(zh)) == [], "only in en"


def test_both_languages_have_the_same_placeholders() -> None:
    zh, en = catalogs()[Language.ZH], catalogs()[Language.EN]
    differ = {
        key: (sorted(placeholders(zh[key])), sorted(placeholders(en[key])))
        for key in set(zh) & set(en)
        if placeholders(zh[key]) != placeholders(en[key])
    }
    assert differ == {}


def test_no_message_is_empty() -> None:
    empty = [
        (lang, key)
        for lang, messages in catalogs().items()
        for key, text in messages.items()
        if not text.strip()
    ]
    assert empty == []


def test_english_messages_are_not_left_in_chinese() -> None:
    """A key copied over untranslated is the usual way a catalog goes wrong."""
    allowed = {"language.zh-CN"}  # the name of the language, written as its speakers write it
    chinese = sorted(
        key
        for key, text in catalogs()[Language.EN].items()
        if key not in allowed and len(HAN.findall(text)) > len(text) // 3
    )
    assert chinese == []


def test_every_label_has_both_languages() -> None:
    for member in [*Role, *RecordStatus]:
        assert set(LABELS[member]) == set(Language), member
        assert HAN.search(LABELS[member][Language.ZH]), member
        assert LABELS[member][Language.EN].strip(), member
        assert not HAN.search(LABELS[member][Language.EN]), member


@pytest.mark.parametrize("problem", list(StaffProblem))
def test_every_staff_problem_has_a_message(problem: StaffProblem) -> None:
    for language in Language:
        assert t(language, f"staff.{problem.value}", ref="张三")


def test_every_language_has_a_name() -> None:
    for shown_in in Language:
        for language in Language:
            assert t(shown_in, f"language.{language.value}")


# Keys used by the code


def python_files() -> Iterator[tuple[str, ast.Module]]:
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            name = path.relative_to(REPO).as_posix()
            yield name, ast.parse(path.read_text(encoding="utf-8"), filename=name)


@dataclass(frozen=True)
class Use:
    where: str
    key: ast.expr
    given: frozenset[str] | None  # keyword values passed; None when ``**values`` is passed too
    scope: ast.AST


def imports_i18n_t(tree: ast.Module) -> bool:
    return any(
        isinstance(node, ast.ImportFrom)
        and node.module == "handlers.i18n"
        and any(alias.name == "t" and alias.asname is None for alias in node.names)
        for node in ast.walk(tree)
    )


def key_argument(call: ast.Call, module_t: bool) -> ast.expr | None:
    func = call.func
    args = call.args
    if isinstance(func, ast.Name) and func.id == "t" and module_t:
        return args[1] if len(args) > 1 else None
    if isinstance(func, ast.Attribute) and func.attr in {"t", "_t"}:
        return args[0] if args else None
    if isinstance(func, ast.Name) and func.id in {"UserError", "CliError"}:
        return args[0] if args else None
    if isinstance(func, ast.Attribute) and func.attr == "command" and len(args) > 2:
        return args[2]  # registry.command(name, handler, help_key, ...)
    return None


def enclosing_functions(tree: ast.Module) -> dict[ast.AST, ast.AST]:
    """Each node's innermost enclosing function (the module for top-level code)."""
    owner: dict[ast.AST, ast.AST] = {}

    def visit(node: ast.AST, scope: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            owner[child] = scope
            inner = child if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else scope
            visit(child, inner)

    visit(tree, tree)
    return owner


def uses() -> Iterator[Use]:
    for name, tree in python_files():
        module_t = imports_i18n_t(tree)
        owner = enclosing_functions(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            key = key_argument(node, module_t)
            if key is None:
                continue
            if any(kw.arg is None for kw in node.keywords):
                given = None
            else:
                given = frozenset(kw.arg for kw in node.keywords if kw.arg)
            yield Use(f"{name}:{node.lineno}", key, given, owner[node])


def assignments(scope: ast.AST, variable: str) -> list[ast.expr]:
    return [
        node.value
        for node in ast.walk(scope)
        if isinstance(node, ast.Assign)
        and any(isinstance(target, ast.Name) and target.id == variable for target in node.targets)
    ]


def literal_keys(expr: ast.expr, scope: ast.AST) -> Iterator[str | re.Pattern[str]]:
    """The keys ``expr`` can evaluate to: strings, or a pattern for an f-string."""
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        yield expr.value
    elif isinstance(expr, ast.IfExp):
        yield from literal_keys(expr.body, scope)
        yield from literal_keys(expr.orelse, scope)
    elif isinstance(expr, ast.Name):
        for value in assignments(scope, expr.id):
            yield from literal_keys(value, scope)
    elif isinstance(expr, ast.JoinedStr):
        parts = [
            re.escape(part.value) if isinstance(part, ast.Constant) else r"[\w\-.]+"
            for part in expr.values
        ]
        yield re.compile("".join(parts))


def test_every_key_in_the_code_exists_and_gets_its_values() -> None:
    known = keys()
    missing: list[str] = []
    unfilled: list[str] = []
    checked = 0
    for use in uses():
        for key in literal_keys(use.key, use.scope):
            checked += 1
            if isinstance(key, re.Pattern):
                if not any(key.fullmatch(k) for k in known):
                    missing.append(f"{use.where}: no key matches {key.pattern}")
                continue
            if key not in known:
                missing.append(f"{use.where}: {key}")
            elif use.given is not None and not known[key] <= use.given:
                unfilled.append(f"{use.where}: {key} needs {sorted(known[key] - use.given)}")
    assert checked > 50, "the scan found too few keys: has the calling convention changed?"
    assert not missing, "keys missing from the catalogs:\n" + "\n".join(missing)
    assert not unfilled, "placeholders left unfilled:\n" + "\n".join(unfilled)


def test_the_key_scan_sees_each_way_of_naming_a_key() -> None:
    seen = {
        key for use in uses() for key in literal_keys(use.key, use.scope) if isinstance(key, str)
    }
    patterns = {
        key.pattern
        for use in uses()
        for key in literal_keys(use.key, use.scope)
        if isinstance(key, re.Pattern)
    }
    assert "access.refused" in seen  # t(language, "...") in the engine
    assert "console.clock_usage" in seen  # self._t("...") in the console
    assert "common.nothing_to_cancel" in seen  # ctx.t("...")
    assert "language.unknown" in seen  # UserError("...")
    assert "cli.bad_hours" in seen  # CliError("...")
    assert "help.invite" in seen  # registry.command(name, handler, "...")
    assert {"cli.staff_disabled", "cli.staff_already_disabled"} <= seen  # key = a if b else c
    assert {"staff.active", "staff.disabled"} <= seen  # t(lang, a if b else c)
    assert re.escape("staff.") + r"[\w\-.]+" in patterns  # f"staff.{problem.value}"


def config_problems() -> set[str]:
    tree = ast.parse((REPO / "bot" / "config.py").read_text(encoding="utf-8"))
    return {
        node.args[2].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "ConfigError"
        and len(node.args) > 2
        and isinstance(node.args[2], ast.Constant)
    }


def test_every_config_problem_has_a_message() -> None:
    problems = config_problems()
    assert {"missing_file", "syntax", "unknown_key", "wrong_type"} <= problems
    assert sorted(p for p in problems if f"config.{p}" not in keys()) == []


# Chinese only in the catalogs


def docstrings(tree: ast.Module) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if (
                body
                and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)
            ):
                found.add(id(body[0].value))
    return found


def chinese_literals(tree: ast.Module) -> list[tuple[int, str]]:
    """String constants holding Chinese characters, docstrings aside (comments are not in
    the tree at all)."""
    skip = docstrings(tree)
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in skip
        and HAN.search(node.value)
    ]


def test_no_chinese_text_outside_the_catalogs() -> None:
    offenders = [
        f"{name}:{line}: {value!r}"
        for name, tree in python_files()
        if not name.startswith("storage/") and name not in CHINESE_FILES
        for line, value in chinese_literals(tree)
        if (name, value) not in CHINESE_ALLOWED
        and not (name.startswith("handlers/") and value in TYPED_ANSWERS)
    ]
    assert not offenders, "Chinese text outside the catalogs:\n" + "\n".join(offenders)


def test_the_scan_sees_chinese_but_not_in_docstrings_or_comments() -> None:
    source = '"""文档。"""\nx = "你好"  # 注释\ndef f():\n    """说明"""\n    return f"再见{x}"\n'
    assert chinese_literals(ast.parse(source)) == [(2, "你好"), (5, "再见")]


# Chinese counts take a measure word (3 个文件, 2 天, 5 件): the placeholder before one is a
# count, and where English puts a word after it that agrees with a number (a noun, a verb)
# the message must make that choice with ``{n:one=…|other=…}``.
MEASURE_WORDS = re.compile(r"\{(\w+)\}\s?(?:个|件|条|天|人|份|名|位|张|次|项|字节|字|小时|分钟|秒)")
# Words that do not change with the number ("3 late", "1 of 2", "took 4 s").
SAME_FOR_ANY_NUMBER = {"late", "missed", "withdrawn", "more", "fewer", "overdue", "on", "of", "s"}
SAME_FOR_ANY_NUMBER |= {"came"}
NOT_COUNTS = {"ref"}  # "记录 {ref} 项更正": the amendment's reference, not a number of them


def bare_counts(zh: dict[str, str], en: dict[str, str]) -> list[tuple[str, str]]:
    """(key, placeholder) of each English message where a count meets a word that agrees
    with it and the message makes no plural choice for it."""
    return sorted(
        (key, name)
        for key, text in zh.items()
        for name in set(MEASURE_WORDS.findall(text)) - NOT_COUNTS
        if "{" + name + ":" not in en[key]
        and any(
            word not in SAME_FOR_ANY_NUMBER
            for word in re.findall(r"\{" + name + r"\} ([A-Za-z]+)", en[key])
        )
    )


def test_every_count_before_a_noun_in_english_takes_a_plural_form() -> None:
    """No "1 inquiries": a count and its noun agree, through Babel's plural rules."""
    assert bare_counts(catalogs()[Language.ZH], catalogs()[Language.EN]) == []
    assert bare_counts(report_catalog(Language.ZH), report_catalog(Language.EN)) == []
    assert t(Language.EN, "card.overdue", days=1, deadline="-").startswith("overdue by 1 day ")


def test_the_count_scan_sees_a_bare_count() -> None:
    zh = {"a": "已收到 {count} 个文件", "b": "已收到 {count} 个文件", "c": "{year} 年"}
    en = {
        "a": "{count} files received",
        "b": "{count} {count:one=file|other=files}",
        "c": "{year} x",
    }
    assert bare_counts(zh, en) == [("a", "count")]


# A record's title names its own kind while it is a draft (``card.draft_title``: 草稿 #7,
# Draft #7); a message that puts that kind word before it reads "草稿（草稿 #7）".
TITLED = ("title", "draft")
OPENERS = ' \t\u3000（(“"「'


def doubled_kinds(messages: dict[str, str], kind: str) -> list[str]:
    """The keys of ``messages`` with ``kind`` (the draft title's own word) just before a
    ``{title}`` or ``{draft}`` placeholder, spaces and opening brackets or quotes between."""
    found = []
    for key, message in sorted(messages.items()):
        for match in re.finditer(r"\{(\w+)\}", message):
            if match[1] in TITLED:
                before = message[: match.start()].rstrip(OPENERS)
                if before.casefold().endswith(kind.casefold()):
                    found.append(key)
                    break
    return found


@pytest.mark.parametrize("language", list(Language))
def test_a_draft_is_named_once_never_after_its_own_kind_word(language: Language) -> None:
    """Every message naming a record by its title (the held list of ``staff disable``, the
    withdrawal's answers, the reminders) leaves the word 草稿 to the title itself."""
    kind = t(language, "card.draft_title", id=7).split("#")[0].strip()
    assert kind
    assert doubled_kinds(catalogs()[language], kind) == []


def test_the_kind_scan_sees_a_doubled_kind_word() -> None:
    messages = {
        "a": "· 草稿 {title}，尚未提交",
        "b": "草稿（{title}）已撤回",
        "c": "撤回“草稿{draft}”",
        "d": "· {title}，尚未提交",
        "e": "过问记录 {title}",
        "f": "草稿数 {count}，{title}",
    }
    assert doubled_kinds(messages, "草稿") == ["a", "b", "c"]
    assert doubled_kinds({"a": "Draft {title}", "b": "Withdrawing {title}"}, "Draft") == ["a"]
