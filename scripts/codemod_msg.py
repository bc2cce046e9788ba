"""Turn the prose f-strings of the modules that write messages into msg() calls (app/i18n/message.py).

    f"bucket {bucket} does not exist"   →   msg("bucket %(bucket)s does not exist", bucket=bucket)

The template is exactly what scripts/i18n_strings.py made of the f-string for the catalog (same field
names: `db.port` → port, `len(x)` → n_x, a repeated name → name_2), so the Korean catalog keeps its
msgids. A field with a conversion or format spec keeps it as a value: f"{t:g} s" → t=f"{t:g}".

Re-runnable and idempotent: it rewrites only f-strings that are still f-strings (a second run changes
nothing), adds `from app.i18n.message import msg` where needed, and leaves alone what is not a message
for people (SKIP below: SQL, commands, programmer errors). A module where the name `msg` is already
taken (a variable or parameter) is reported and not changed: rename that variable, then re-run.

A field `"; ".join(x)` becomes `MsgList(x)` (each item a message of its own). What it cannot see is left
to a person: a message glued from pieces (`a + b`, f"{path}: {problem}" with no words), a fixed text
passed as a value (write `msg("fixed text")` so it is translated too), `str(exc)` of an exception raised
with a message (use `message_of(exc)`), `.format` texts (use `msg_format`).

Usage (from the repository root; tests/test_i18n_messages.py runs --check):
    PYTHONPATH=$PWD python scripts/codemod_msg.py            # rewrite in place, list what changed
    PYTHONPATH=$PWD python scripts/codemod_msg.py --check    # exit 1 when a prose f-string is left
    PYTHONPATH=$PWD python scripts/codemod_msg.py FILE...    # only these files
then `make i18n` (the new templates are msgids) and translate what it marks new.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from i18n_strings import TEMPLATE_SKIP, TEMPLATE_SOURCES, fstring_template, placeholder_name  # noqa: E402

MODULE = "app.i18n.message"
LINE = 115  # wrap a long template over several lines (implicit concatenation)

# Modules that stay standard-library only (their source is served to the nodes and run there): their
# texts reach the wizard as English data in a node report.
STANDALONE = ("app/probe/node.py",)

# Templates that stay f-strings: not a message a person reads in the UI.
SKIP = (
    re.compile(r"^(CREATE TABLE|ALTER TABLE|INSERT INTO|SELECT|SHOW) %\(\w+\)s"),  # SQL statements (not "SQL … failed")
    re.compile(r"^wbsetup "),  # a command to copy
    re.compile(r"^(check id|duplicate check id) "),  # programmer errors at import time
)


def wanted(node: ast.JoinedStr) -> str | None:
    template = fstring_template(node)
    if template is None or any(p.search(template) for p in SKIP):
        return None
    return template


def fields(node: ast.JoinedStr) -> list[tuple[str, str]]:
    """(name, value source) per field, named as fstring_template names them."""
    out: list[tuple[str, str]] = []
    used: dict[str, int] = {}
    for value in node.values:
        if not isinstance(value, ast.FormattedValue):
            continue
        name = re.sub(r"\W", "_", placeholder_name(value.value)) or "value"
        used[name] = used.get(name, 0) + 1
        if used[name] > 1:
            name = f"{name}_{used[name]}"
        out.append((name, value_source(value)))
    return out


def value_source(value: ast.FormattedValue) -> str:
    """The field's value as the f-string showed it: `{x!r}` → repr(x), `{x:g}` → format(x, "g")."""
    expr = value.value
    if isinstance(expr, ast.Call) and _joined_messages(expr) and value.conversion == -1 and value.format_spec is None:
        return f"MsgList({ast.unparse(expr.args[0])})"  # "; ".join(messages): each item rendered on its own
    if value.conversion != -1:
        expr = ast.Call(ast.Name({ord("r"): "repr", ord("s"): "str", ord("a"): "ascii"}[value.conversion]), [expr], [])
    spec = value.format_spec
    if not isinstance(spec, ast.JoinedStr):
        return ast.unparse(expr)
    constants = [v.value for v in spec.values if isinstance(v, ast.Constant)]
    if len(constants) == len(spec.values):
        return f"format({ast.unparse(expr)}, {quote(''.join(map(str, constants)))})"
    return f"format({ast.unparse(expr)}, {ast.unparse(spec)})"


def _joined_messages(expr: ast.expr) -> bool:
    """`"; ".join(x)`: a list of messages (a list of values is joined with ", ")."""
    return (
        isinstance(expr, ast.Call)
        and isinstance(expr.func, ast.Attribute)
        and expr.func.attr == "join"
        and isinstance(expr.func.value, ast.Constant)
        and expr.func.value.value == "; "
        and len(expr.args) == 1
        and not expr.keywords
    )


def quote(text: str) -> str:
    r = repr(text)
    if r.startswith("'") and '"' not in text:
        r = '"' + r[1:-1].replace("\\'", "'") + '"'
    return r


def call_text(template: str, params: list[tuple[str, str]], indent: int, column: int) -> str:
    """The msg() call: on one line when it fits from `column`, else the template wrapped at spaces."""
    args = ", ".join(f"{k}={v}" for k, v in params)
    one = f"msg({quote(template)}, {args})"
    if column + len(one) + 2 <= LINE:
        return one
    pad = " " * (indent + 4)
    chunks, current = [], ""
    for word in re.split(r"(?<= )", template):
        if current and indent + 4 + len(current) + len(word) + 2 > LINE:
            chunks.append(current)
            current = ""
        current += word
    chunks.append(current)
    body = "\n".join(pad + quote(c) for c in chunks)
    return f"msg(\n{body},\n{pad}{args})"


def offsets(source: str) -> list[int]:
    starts, pos = [0], 0
    for line in source.splitlines(keepends=True):
        pos += len(line)
        starts.append(pos)
    return starts


def taken(tree: ast.Module) -> bool:
    """Whether `msg` names something other than app.i18n.message.msg in this module."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id == "msg" and isinstance(node.ctx, (ast.Store, ast.Del)):
            return True
        if isinstance(node, ast.arg) and node.arg == "msg":
            return True
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name == "msg":
            return True
        if (
            isinstance(node, (ast.Import, ast.ImportFrom))
            and getattr(node, "module", None) != "app.i18n.message"
            and any((a.asname or a.name) == "msg" for a in node.names)
        ):
            return True
    return False


def one_pass(source: str) -> tuple[str, int]:
    """Rewrite the outermost prose f-strings once; returns (source, how many)."""
    tree = ast.parse(source)
    inner: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            for sub in ast.walk(node):
                if sub is not node and isinstance(sub, ast.JoinedStr):
                    inner.add(id(sub))
    targets = [n for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) and id(n) not in inner and wanted(n)]
    if not targets:
        return source, 0
    starts = offsets(source)
    edits = []
    for node in targets:
        assert node.end_lineno is not None and node.end_col_offset is not None
        line = source[starts[node.lineno - 1] : starts[node.lineno]]
        indent = len(line) - len(line.lstrip())
        column = len(line.encode()[: node.col_offset].decode())
        start = starts[node.lineno - 1] + column
        end_line = source[starts[node.end_lineno - 1] : starts[node.end_lineno]]
        end = starts[node.end_lineno - 1] + len(end_line.encode()[: node.end_col_offset].decode())
        params = fields(node)
        if any(name == "code" for name, _ in params):  # msg(code=…) is the message's code, not a field
            raise SystemExit(f"line {node.lineno}: a field named `code`; write this msg() by hand")
        edits.append((start, end, call_text(wanted(node) or "", params, indent, column)))
    for start, end, text in sorted(edits, reverse=True):
        source = source[:start] + text + source[end:]
    return source, len(edits)


def add_import(source: str) -> str:
    """`from app.i18n.message import msg` (and MsgList when used), merged into an existing import of it."""
    tree = ast.parse(source)
    names = {"msg"} | ({"MsgList"} if re.search(r"\bMsgList\(", source) else set())
    lines = source.splitlines(keepends=True)
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module == MODULE:
            have = {a.name for a in node.names}
            if names <= have:
                return source
            merged = ", ".join(sorted(have | names, key=lambda n: (not n[:1].isupper(), n)))
            return (
                "".join(lines[: node.lineno - 1])
                + f"from {MODULE} import {merged}\n"
                + "".join(lines[node.end_lineno :])
            )
    after = 0
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            after = node.end_lineno or node.lineno
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and after == 0:
            after = node.end_lineno or node.lineno  # module docstring
        elif after:
            break
    return (
        "".join(lines[:after])
        + f"from {MODULE} import {', '.join(sorted(names, key=lambda n: (not n[:1].isupper(), n)))}\n"
        + "".join(lines[after:])
    )


def convert(path: Path) -> tuple[int, str | None]:
    """(f-strings rewritten, problem) for one file."""
    source = original = path.read_text()
    tree = ast.parse(source)
    pending = [n for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) and wanted(n)]
    if not pending:
        return 0, None
    if taken(tree):
        return 0, f"{_shown(path)}: the name `msg` is taken here; rename it, then re-run"
    total = 0
    while True:
        source, n = one_pass(source)
        total += n
        if not n:
            break
    source = add_import(source)
    compile(source, str(path), "exec")
    if source != original:
        path.write_text(source)
    return total, None


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def sources(argv: list[str]) -> list[Path]:
    if argv:
        return [Path(a).resolve() for a in argv]
    out = []
    for pattern in TEMPLATE_SOURCES:
        out += [
            p
            for p in sorted(ROOT.glob(pattern))
            if p.name not in TEMPLATE_SKIP and p not in out and str(p.relative_to(ROOT)) not in STANDALONE
        ]
    return out


def main(argv: list[str]) -> int:
    check = "--check" in argv
    files = sources([a for a in argv if a != "--check"])
    left, problems = [], []
    for path in files:
        if check:
            tree = ast.parse(path.read_text())
            left += [
                f"{_shown(path)}:{n.lineno}: {wanted(n)}"
                for n in ast.walk(tree)
                if isinstance(n, ast.JoinedStr) and wanted(n)
            ]
            continue
        n, problem = convert(path)
        if problem:
            problems.append(problem)
        elif n:
            print(f"{_shown(path)}: {n} f-string(s) → msg()")
    for line in left + problems:
        print(line, file=sys.stderr)
    return 1 if left or problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
