"""What changes in the bundle between two sides (SPEC §3 `diff`): a unified diff per file, added and
removed files included, and the secrets whose value changed, named by placeholder and answer key, never
shown. A changed secret's placeholder reads `${NAME@old}` / `${NAME@new}` in the file diffs, so the diff
shows every line the secret reaches (a percent-encoded URL, a Secret's stringData) without its value."""

from __future__ import annotations

import difflib
import hashlib
import hmac
from dataclasses import asdict, dataclass, field

from app.answers import SECRET_PLACEHOLDERS
from app.artifacts.redact import REGISTRY_AUTH
from app.change.sources import Side

PROSE = frozenset({"README.md"})
KEY_OF = {name: path for path, name in SECRET_PLACEHOLDERS.items()} | {REGISTRY_AUTH: "deploy.registry_password"}


@dataclass
class FileChange:
    path: str
    status: str  # added | removed | changed
    diff: str


@dataclass
class SecretChange:
    placeholder: str
    key: str
    status: str  # added | removed | changed


@dataclass
class BundleDiff:
    old: str
    new: str
    files: list[FileChange] = field(default_factory=list)
    secrets: list[SecretChange] = field(default_factory=list)

    @property
    def identical(self) -> bool:
        return not self.files and not self.secrets

    def to_json(self) -> dict:
        return {"schema": 1, "identical": self.identical, **asdict(self)}

    def text(self) -> str:
        out = [f.diff for f in self.files]
        for s in self.secrets:
            out.append(f"# secret {s.key} (${{{s.placeholder}}}): {s.status}; the value is not shown\n")
        return "".join(out)


def _present(prints: set[str], name: str, key: bytes) -> bool:
    """Whether the side holds a value for `name` (not only its placeholder)."""
    mark = hmac.new(key, ("${" + name + "}").encode(), hashlib.sha256).hexdigest()
    return bool(prints - {mark})


def secret_changes(old: Side, new: Side, key: bytes) -> list[SecretChange]:
    changes = []
    for name in sorted(old.prints.keys() | new.prints.keys()):
        a, b = old.prints.get(name, set()), new.prints.get(name, set())
        if a == b:
            continue
        had, has = _present(a, name, key), _present(b, name, key)
        if not had and not has:
            continue  # a placeholder on both sides (the file that carries it changed, not the secret)
        status = "changed" if had and has else ("added" if has else "removed")
        changes.append(SecretChange(name, KEY_OF.get(name, name), status))
    return changes


def _mark(text: str, names: list[str], tag: str) -> str:
    for name in names:
        text = text.replace("${" + name + "}", "${" + name + "@" + tag + "}")
    return text


def compare(old: Side, new: Side, key: bytes) -> BundleDiff:
    result = BundleDiff(old.label, new.label, secrets=secret_changes(old, new, key))
    names = [s.placeholder for s in result.secrets]
    for path in sorted(old.files.keys() | new.files.keys()):
        a, b = old.files.get(path), new.files.get(path)
        status = "added" if a is None else "removed" if b is None else "changed"
        if isinstance(a, bytes) or isinstance(b, bytes):
            if a != b:
                result.files.append(FileChange(path, status, f"Binary files a/{path} and b/{path} differ\n"))
            continue
        marked = [] if path in PROSE else names  # the runbook names placeholders; it holds no value
        a_text, b_text = _mark(a or "", marked, "old"), _mark(b or "", marked, "new")
        if a_text == b_text and a is not None and b is not None:
            continue
        lines = difflib.unified_diff(
            a_text.splitlines(keepends=True), b_text.splitlines(keepends=True), f"a/{path}", f"b/{path}", n=3
        )
        text = "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)
        result.files.append(FileChange(path, status, text))
    return result
