"""Write app/i18n/strings.py: the UI strings that live in code, not templates, as _() calls for
`pybabel extract` (step and section titles, answers-model field titles and help, check titles, status
names, every check message or hint that is fixed text, and the `{field}` texts of the requirement files
as the %(field)s templates `msg_format` makes of them). Messages with values are `msg("template", …)`
calls: pybabel extracts their templates itself (babel.cfg: `keywords = msg`). Run by `make i18n`;
tests/test_i18n.py fails when the file is out of date.

`fstring_template` / `placeholder_name` also name the fields of scripts/codemod_msg.py, which turns the
remaining prose f-strings into msg() calls.

Usage: python scripts/i18n_strings.py [--check]
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "app" / "i18n" / "strings.py"

# Strings of templates that are data (tuples), not _() literals: hardware table rows, labels, statuses.
TEMPLATE_DATA = (
    "pass",
    "warn",
    "fail",
    "skip",
    "error",
    "pending",
    "never",
    "saved",
    "new",
    "unknown",
    "arch",
    "cpu_cores",
    "memory_gib",
    "disk_gb",
    "disk_mbps",
    "nics",
    "nic_gbps",
    "cores",
    "GiB",
    "GB",
    "Mbps",
    "Gbps",
    "Application nodes",
    "Database server",
    "Probe an application node",
    "Probe the database server",
    "W&B application",  # the topology box
    "unencrypted",  # database.connect: how the connection is protected
)


# Sources whose f-strings may reach the UI as a check message or hint, an action result or a form error.
TEMPLATE_SOURCES = (
    "app/checks/*.py",
    "app/actions/*.py",
    "app/answers.py",
    "app/probe/reports.py",
    "app/probe/node.py",
    "app/probe/tokens.py",
    "app/checks/kubeconfig.py",
    "app/web/*.py",
    "app/demo/routes.py",
)
TEMPLATE_SKIP = ("report.py",)  # `wbsetup validate` reports stay English
# A word of prose: two or more letters with a lower-case one (not part of a path, key or placeholder).
_WORD = re.compile(r"(?<![\w./$%{-])(?=[A-Za-z'’]*[a-z])[A-Za-z][A-Za-z'’]+(?![\w/])")


def placeholder_name(expr: ast.expr) -> str:
    """A readable %(name)s for an f-string field, from its expression: `db.port` → port,
    `want['charset']` → charset, `len(reports)` → n_reports, `', '.join(bad)` → bad."""
    if isinstance(expr, ast.Name):
        return expr.id.lstrip("_") or "value"
    if isinstance(expr, ast.Attribute):
        return "type" if expr.attr == "__name__" else expr.attr.strip("_") or "value"
    if isinstance(expr, ast.Subscript):
        key = expr.slice
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            return key.value
        return placeholder_name(expr.value)
    if isinstance(expr, ast.Call):
        func = expr.func
        if isinstance(func, ast.Name) and func.id == "len" and expr.args:
            return "n_" + placeholder_name(expr.args[0])
        if isinstance(func, ast.Attribute) and func.attr in ("join", "get") and expr.args:
            return (
                placeholder_name(expr.args[0]) if func.attr == "join" else str(getattr(expr.args[0], "value", "value"))
            )
        return placeholder_name(func)
    if isinstance(expr, ast.BoolOp):
        return placeholder_name(expr.values[0])
    if isinstance(expr, ast.IfExp):
        return placeholder_name(expr.body)
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return re.sub(r"\W+", "_", expr.value).strip("_") or "value"
    return "value"


def fstring_template(node: ast.JoinedStr) -> str | None:
    """The %(name)s template of an f-string, or None when it is not prose (SQL, a URL, a key)."""
    parts, literal, used = [], [], {}
    for value in node.values:
        if isinstance(value, ast.Constant):
            parts.append(str(value.value).replace("%", "%%"))
            literal.append(str(value.value))
        else:
            name = re.sub(r"\W", "_", placeholder_name(value.value)) or "value"
            used[name] = used.get(name, 0) + 1
            if used[name] > 1:
                name = f"{name}_{used[name]}"
            parts.append(f"%({name})s")
            literal.append(" ")
    text = "".join(parts)
    if any(m in text for m in ("(?P<", "filename=")) or text.startswith(("topo-", "wbsetup: ", "<")):  # not for people
        return None
    if len(_WORD.findall("".join(literal))) < 2:  # not prose
        return None
    return text


_FORMAT_FIELD = re.compile(r"\{(\w+)(?::[^}\s]*)?\}")


def format_template(text: str) -> str | None:
    """A str.format text (a requirement file's message, a hint table entry) as a %(name)s template."""
    out = _FORMAT_FIELD.sub(lambda m: f"%({m.group(1)})s", text.replace("%", "%%"))
    return out if len(_WORD.findall(_FIELD_RE.sub(" ", out))) >= 2 else None


_FIELD_RE = re.compile(r"%\(\w+\)s")


def is_prose(text: str) -> bool:
    """Words for people, not a regular expression or a header value."""
    if (
        text.startswith(("^", "topo-", "url(", "<"))
        or any(m in text for m in ("\\s", "(?", "=()", "-src '", "%s", "%(asctime)s"))
        or text.startswith("wbsetup: ")
    ):  # a regex, a header value, a log format, console output
        return False
    return len(_WORD.findall(text)) >= 2


def code_texts() -> tuple[list[str], list[str]]:
    """(fixed texts, message templates) that can reach the UI from code and requirement files: every
    prose string literal (not a docstring, not the template of a msg() call, which pybabel extracts) and
    every prose f-string of TEMPLATE_SOURCES (none once scripts/codemod_msg.py has run), and every
    message or hint of the requirement files and `{field}` text of code (msg_format templates)."""
    fixed: list[str] = []
    templates: list[str] = []

    def add(text: str) -> None:
        if _FORMAT_FIELD.search(text):
            if t := format_template(text):
                templates.append(t)
        elif _FIELD_RE.search(text) and is_prose(text):  # a msg("… %(name)s …") template: matched like an f-string's
            templates.append(text)
        elif is_prose(text):
            fixed.append(text)

    for pattern in TEMPLATE_SOURCES:
        for path in sorted(ROOT.glob(pattern)):
            if path.name in TEMPLATE_SKIP:
                continue
            tree = ast.parse(path.read_text())
            skip: set[int] = set()
            for node in ast.walk(tree):
                if (
                    isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                    and node.body
                    and isinstance(node.body[0], ast.Expr)
                    and isinstance(node.body[0].value, ast.Constant)
                ):
                    skip.add(id(node.body[0].value))  # docstring
                elif isinstance(node, ast.JoinedStr):
                    skip.update(id(v) for v in node.values)
                    if t := fstring_template(node):
                        templates.append(t)
                elif (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Name)
                    and node.func.id == "msg"
                    and node.args
                    and isinstance(node.args[0], ast.Constant)
                ):
                    skip.add(id(node.args[0]))  # extracted by pybabel (keywords = msg)
                elif isinstance(node, ast.Assert) and node.msg is not None:
                    skip.update(id(n) for n in ast.walk(node.msg))  # an invariant for developers, not UI text
            for node in ast.walk(tree):
                if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
                    add(node.value)

    def walk(doc):
        if isinstance(doc, dict):
            for k, v in doc.items():
                if k in ("hint", "message") and isinstance(v, str):
                    add(v)
                else:
                    walk(v)
        elif isinstance(doc, list):
            for v in doc:
                walk(v)

    for path in sorted((ROOT / "app" / "requirements").glob("*.yaml")):
        walk(yaml.safe_load(path.read_text()))
    return list(dict.fromkeys(fixed)), list(dict.fromkeys(templates))


def format_templates() -> set[str]:
    """The %(field)s templates of the `{field}` texts (requirement files, code), as msg_format makes them."""
    out: set[str] = set()

    def walk(doc):
        if isinstance(doc, dict):
            for k, v in doc.items():
                if k in ("hint", "message") and isinstance(v, str) and _FORMAT_FIELD.search(v):
                    out.add(format_template(v) or "")
                else:
                    walk(v)
        elif isinstance(doc, list):
            for v in doc:
                walk(v)

    for path in sorted((ROOT / "app" / "requirements").glob("*.yaml")):
        walk(yaml.safe_load(path.read_text()))
    for pattern in TEMPLATE_SOURCES:
        for path in sorted(ROOT.glob(pattern)):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Constant) and isinstance(node.value, str) and _FORMAT_FIELD.search(node.value):
                    out.add(format_template(node.value) or "")
    out.discard("")
    return out


def collect() -> list[tuple[str, str]]:
    """(comment, msgid) pairs, de-duplicated, in a stable order."""
    import app.checks

    app.checks.load()  # registers every check
    from app.checks.engine import REGISTRY
    from app.web.forms import STEP_SECTIONS, STEP_TITLES

    pairs: list[tuple[str, str]] = [("step", t) for t in STEP_TITLES.values()]
    for sections in STEP_SECTIONS.values():
        for s in sections:
            pairs.append(("section", s.title))
            for name, info in s.model.model_fields.items():
                if s.fields is None or name in s.fields:
                    pairs.append((f"field {s.prefix}.{name}".replace(" .", " "), info.title or name))
                    if info.description:
                        pairs.append((f"help {s.prefix}.{name}".replace(" .", " "), info.description))
    pairs += [(f"check {c.id}", c.title) for c in REGISTRY.values()]
    pairs += [("template data", t) for t in TEMPLATE_DATA]
    fixed, templates = code_texts()
    pairs += [("message or hint", t) for t in fixed]
    pairs += [("message template ({field} text)", t) for t in templates if t in format_templates()]
    seen: set[str] = set()
    return [(c, m) for c, m in pairs if not (m in seen or seen.add(m))]


def render() -> str:
    lines = [
        '"""GENERATED by scripts/i18n_strings.py (`make i18n`): UI strings from code, for pybabel extract."""',
        "",
        "",
        "def _(s: str) -> str:",
        "    return s",
        "",
        "",
        "STRINGS = [",
    ]
    for comment, msgid in collect():
        lines.append(f"    # {comment}")
        lines.append(f"    _({msgid!r}),")
    lines.append("]")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    text = render()
    if "--check" in sys.argv:
        sys.exit(0 if OUT.exists() and OUT.read_text() == text else 1)
    OUT.write_text(text)
    print(f"wrote {OUT.relative_to(ROOT)}")
