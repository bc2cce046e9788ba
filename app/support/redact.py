"""Redaction of everything a support bundle holds, before anything is written (SPEC §6.1).

Three layers, applied in this order to every text (and to every string of the JSON documents, keys
included, before they are serialized):
1. **Known secrets.** Every secret of the answers in every form it can take (app.artifacts.redact
   `encodings`: plain, percent-encoded, base64 at each alignment — so also inside `user:password@`
   URLs and basic-auth headers —, JSON-, YAML-, SQL- and Compose-escaped) becomes the placeholder
   `render --redact` uses (`${WANDB_DB_PASSWORD}`…); the kubeconfig's credentials (tokens, passwords,
   client keys, as written and decoded) become `${WANDB_KUBECONFIG}`.
2. **Private keys.** PEM blocks `-----BEGIN … PRIVATE KEY-----` (to their END, or the text's end).
3. **Third-party patterns.** `password=…`, `"password": "…"`, YAML `password: …`, `Authorization:`
   headers, `scheme://user:password@host`, AWS secret access keys; and, in JSON documents, the value of a
   key named like a password and the `value` of a `{"name": "…PASSWORD…", "value": …}` pair (env vars).

`Redactor.counts` tells how many values were replaced, by placeholder name (never the values).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections import Counter
from functools import partial
from typing import Any

import yaml

from app.answers import SECRET_PLACEHOLDERS, Answers, get_path
from app.artifacts.redact import derived_secrets, encodings, placeholder, secret_text

KUBECONFIG = SECRET_PLACEHOLDERS["deploy.kubeconfig"]
PRIVATE_KEY, PASSWORD, AUTHORIZATION = "REDACTED_PRIVATE_KEY", "REDACTED_PASSWORD", "REDACTED_AUTHORIZATION"
URL_PASSWORD, AWS_SECRET_KEY = "REDACTED_URL_PASSWORD", "REDACTED_AWS_SECRET_KEY"

_WORD = r"(?:password|passwd|pwd|secret|secret_?key|secret_?access_?key|token|api_?key|access_?token|credentials?)"
_SENSITIVE_KEY = re.compile(r"(?i)^[\w.-]*" + _WORD + r"$")
_PEM = re.compile(r"-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----.*?(?:-----END \1PRIVATE KEY-----|\Z)", re.S)
# (pattern, placeholder name, what the text must contain for the pattern to be tried: "*word" that word
# (any case), else a password-like word (_TRIGGER) and that text)
_PATTERNS: list[tuple[re.Pattern, str, str]] = [
    # "Authorization: Bearer x", "authorization": "Basic x", Authorization=x
    (
        re.compile(
            r"""(?i)(authorization["']?\s*[:=]\s*["']?(?:(?:basic|bearer|token|digest|aws4-hmac-sha256)\s+)?)"""
            r"""([^\s"',]+(?:[^\S\n]*,[^\S\n]*[\w-]+=[^\s"',]+)*)"""
        ),
        AUTHORIZATION,
        "*authorization",
    ),
    # scheme://user:password@host
    (re.compile(r"(://[^/\s:@\"']+:)([^/\s@\"']+)(@)"), URL_PASSWORD, "*://"),
    # "password": "…" (JSON), 'password': '…'
    (
        re.compile(r"""(?i)(["'][\w.-]*""" + _WORD + r"""["']\s*:\s*["'])((?:[^"'\\\n]|\\.)+)(["'])"""),
        PASSWORD,
        "",
    ),
    # password=… (query strings, key=value logs, DSNs)
    (re.compile(r"""(?i)(?=[pstac])(""" + _WORD + r"""\s*=\s*["']?)([^\s&"',;)]+)"""), PASSWORD, "="),
    # YAML / log "password: …" to the end of the line
    (
        re.compile(r"""(?im)^([^\S\n]*(?:-[^\S\n]+)?[\w.-]*""" + _WORD + r""":[^\S\n]+)(?!\$\{)(\S[^\n]*?)[^\S\n]*$"""),
        PASSWORD,
        ":",
    ),
]
# (the lookaheads let the engine skip positions that cannot start a word, which is most of them)
_TRIGGER = re.compile(r"(?=[pPsStTaAcC])(?i:password|passwd|pwd|secret|token|api_?key|credential)")
_ANY = re.compile(r"(?=[pPsStTaAcC:])(?:(?i:password|passwd|pwd|secret|token|api_?key|credential|authorization)|://)")
# AWS secret access keys: 40 characters of the base64 alphabet, with both cases and a digit, / or +
_AWS = re.compile(r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")
_AWS_MIX = (re.compile(r"[a-z]"), re.compile(r"[A-Z]"), re.compile(r"[0-9/+]"))


def _kubeconfig_secrets(text: str) -> set[str]:
    """The credentials of a kubeconfig: tokens, passwords, client keys (as written and decoded)."""
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError:
        return set()
    found: set[str] = set()
    for item in (doc or {}).get("users") or [] if isinstance(doc, dict) else []:
        user = item.get("user") if isinstance(item, dict) else None
        if not isinstance(user, dict):
            continue
        for key in ("token", "password", "client-key-data"):
            value = user.get(key)
            if isinstance(value, str) and value:
                found.add(value)
                if key.endswith("-data"):
                    try:
                        found.add(base64.b64decode(value).decode())
                    except (binascii.Error, ValueError):
                        pass
    return found


def secret_forms(answers: Answers) -> dict[str, str]:
    """{form: placeholder name} of every secret of `answers` in every encoding."""
    forms: dict[str, str] = {}
    for path, name in SECRET_PLACEHOLDERS.items():
        value = secret_text(get_path(answers, path))
        if not value or len(value) < 4:
            continue
        for form in encodings(value):
            forms.setdefault(form, name)
        if path == "deploy.kubeconfig":
            for cred in _kubeconfig_secrets(value):
                for form in encodings(cred) if len(cred) >= 4 else ():
                    forms.setdefault(form, KUBECONFIG)
    for name, value in derived_secrets(answers).items():  # the registry's docker `auth` (base64 of user:password)
        for form in encodings(value):
            forms.setdefault(form, name)
    # each line of a multi-line secret (a PEM key, a kubeconfig) alone, as a log would print it
    for form, name in list(forms.items()):
        for line in form.splitlines():
            if len(line.strip()) >= 12 and "-----" not in line:
                forms.setdefault(line.strip(), name)
    return forms


class Redactor:
    """Replaces secrets in texts and JSON documents; `counts` by placeholder name."""

    def __init__(self, answers: Answers | None, extra: dict[str, str] | None = None):
        forms = secret_forms(answers) if answers is not None else {}
        forms.update(extra or {})
        self._kinds = forms
        ordered = sorted(forms, key=len, reverse=True)  # the longest form wins where forms overlap
        self._literal = re.compile("|".join(map(re.escape, ordered))) if ordered else None
        self.counts: Counter[str] = Counter()

    def text(self, text: str) -> str:
        if self._literal is not None:
            text = self._literal.sub(self._literal_sub, text)
        if "PRIVATE KEY-----" in text:
            text = _PEM.sub(self._pem_sub, text)
        if _ANY.search(text) is not None:  # the patterns are line-bound: try them only on lines that could match
            text = "\n".join(self._line(line) if _ANY.search(line) else line for line in text.split("\n"))
        return _AWS.sub(self._aws_sub, text) if len(text) >= 40 else text

    def _line(self, line: str) -> str:
        low = line.lower()
        keyed = _TRIGGER.search(line) is not None
        for pattern, name, word in _PATTERNS:
            if (word[1:] in low) if word.startswith("*") else (keyed and word in line):
                line = pattern.sub(partial(self._pattern_sub, name=name), line)
        return line

    def _aws_sub(self, m: re.Match) -> str:
        if not all(p.search(m[0]) for p in _AWS_MIX):
            return m[0]
        self.counts[AWS_SECRET_KEY] += 1
        return placeholder(AWS_SECRET_KEY)

    def _literal_sub(self, m: re.Match) -> str:
        name = self._kinds[m[0]]
        self.counts[name] += 1
        return placeholder(name)

    def _pem_sub(self, m: re.Match) -> str:
        if "${" in m[0] and m[0].count("\n") < 2:  # already a placeholder
            return m[0]
        self.counts[PRIVATE_KEY] += 1
        return placeholder(PRIVATE_KEY)

    def _pattern_sub(self, m: re.Match, *, name: str) -> str:
        value = m[2]
        if value.startswith("${") or value in ("********", "<redacted>", "REDACTED") or "${" in value:
            return m[0]
        self.counts[name] += 1
        return m[1] + placeholder(name) + (m[3] if m.lastindex and m.lastindex >= 3 else "")

    def data(self, doc: Any, key: str | None = None) -> Any:
        """A copy of a JSON document with every string redacted (and sensitive keys' values replaced)."""
        if isinstance(doc, str):
            if key is not None and _SENSITIVE_KEY.match(key) and doc and not doc.startswith("${"):
                self.counts[PASSWORD] += 1
                return placeholder(PASSWORD)
            return self.text(doc)
        if isinstance(doc, dict):
            out = {self.text(str(k)): self.data(v, str(k)) for k, v in doc.items()}
            name, value = doc.get("name"), out.get("value")
            sensitive = isinstance(name, str) and _SENSITIVE_KEY.match(name) is not None
            if sensitive and isinstance(value, str) and value and not value.startswith("${"):
                self.counts[PASSWORD] += 1
                out["value"] = placeholder(PASSWORD)
            return out
        if isinstance(doc, (list, tuple)):
            return [self.data(v) for v in doc]
        return doc
