"""Secrets out of a bundle before it is compared, whatever the bundle holds.

A bundle rendered with its secrets (`render` without `--redact`) carries them in many encodings. The
redacted render of the same answers (from the bundle's own answers.yaml, which holds only `{env: …}`
references) is a template of it: the same text with `${NAME}` where each secret went. Where a block of
the bundle differs from the template, the template's block (placeholders as `(.*?)`) is matched against
it: a match means the difference is a secret value, and the template's text (with its placeholders)
replaces it, while a keyed digest of what was captured tells whether the secret is the same on both
sides of a diff. Blocks that do not match are real differences and stay; the support bundle's generic
redactor (private keys, `password=…`, URL credentials) then runs over everything as a safety net."""

from __future__ import annotations

import difflib
import hashlib
import hmac
import re
from dataclasses import dataclass, field

PLACEHOLDER = re.compile(r"\$\{([A-Z][A-Z0-9_]*)\}")
MAX_BLOCK = 400  # lines: a larger differing block is not a secret's encoding


@dataclass
class Masked:
    text: str
    prints: dict[str, set[str]] = field(default_factory=dict)  # placeholder name → digests of its values


def _pattern(template: str) -> tuple[re.Pattern, list[str]] | None:
    names = PLACEHOLDER.findall(template)
    if not names:
        return None
    parts = PLACEHOLDER.split(template)  # literal, name, literal, name, …
    regex = "".join(re.escape(p) if i % 2 == 0 else "(.*?)" for i, p in enumerate(parts))
    return re.compile(regex, re.S), names


def mask_text(actual: str, template: str | None, key: bytes) -> Masked:
    """`actual` with every secret the template places replaced by the template's placeholder."""
    out = Masked(actual)
    if template is None or actual == template:
        for name in PLACEHOLDER.findall(actual):
            _note(out, name, "${" + name + "}", key)
        return out
    t_lines, a_lines = template.splitlines(keepends=True), actual.splitlines(keepends=True)
    pieces: list[str] = []
    matcher = difflib.SequenceMatcher(None, t_lines, a_lines, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        t_block, a_block = "".join(t_lines[i1:i2]), "".join(a_lines[j1:j2])
        if op == "equal":
            for name in PLACEHOLDER.findall(t_block):
                _note(out, name, "${" + name + "}", key)
            pieces.append(a_block)
            continue
        compiled = _pattern(t_block) if op == "replace" and (i2 - i1) + (j2 - j1) <= MAX_BLOCK else None
        found = compiled[0].fullmatch(a_block) if compiled else None
        if compiled and found:
            for name, value in zip(compiled[1], found.groups(), strict=True):
                _note(out, name, value, key)
            pieces.append(t_block)
        else:
            pieces.append(a_block)
    out.text = "".join(pieces)
    return out


def _note(out: Masked, name: str, value: str, key: bytes) -> None:
    out.prints.setdefault(name, set()).add(hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest())


def safety_net(text: str) -> str:
    """Generic redaction of what no template placed (private keys, password=…, URL credentials)."""
    from app.support.redact import Redactor

    return Redactor(None).text(text)
