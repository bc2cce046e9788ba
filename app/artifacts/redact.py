"""Redaction by schema: which secret fields become named placeholders, and where they end up.

Convention (documented in the runbook): a secret that is redacted (`--redact`) or absent appears in
every file as `${NAME}`, NAME from `SECRET_PLACEHOLDERS` (e.g. `${WANDB_DB_PASSWORD}`).
- Inside the MYSQL and BUCKET URLs the placeholder stands for the *percent-encoded* value
  (`mysql://wandb_local:${WANDB_DB_PASSWORD}@db:3306/wandb_local`).
- In docker-compose.yaml the placeholder is real Compose interpolation (not `$$`-escaped), read from
  docker-compose/.env or the shell environment.
- Everywhere else it stands for the plain value.
The simplest correct way to fill them is to re-render: answers.yaml refers to the same names
({env: WANDB_DB_PASSWORD}), so `wbsetup render answers.yaml --out DIR` with those variables set
writes every file with each value escaped for its format.

How: every builder runs on a *masked* copy of the answers whose placeholder secrets hold a sentinel
made only of URL-safe, YAML-plain, SQL- and shell-inert characters ([A-Z0-9_]). Each builder escapes
it as any value (percent-encoding, `$$`, SQL quoting leave it unchanged); the bundle then replaces
each sentinel with `${NAME}` in the finished text. So no builder needs to know about redaction, and
a secret value never reaches a builder when redacting.
"""

from __future__ import annotations

import base64
import re
from urllib.parse import quote, quote_plus

from pydantic import SecretStr

from app.answers import SECRET_PLACEHOLDERS, Answers, get_path
from app.secret import EnvRef

_PREFIX, _SUFFIX = "WBSETUPSECRET0", "0WBSETUPEND"
# Secrets whose absence means "not used" (an external Redis), not "fill in later".
OPTIONAL_SECRETS = frozenset({"deploy.redis_url"})
_SENTINEL = re.compile(_PREFIX + r"([A-Z0-9_]+?)" + _SUFFIX)


def sentinel(name: str) -> str:
    return f"{_PREFIX}{name}{_SUFFIX}"


def is_masked(value: str | None) -> bool:
    """Whether a (masked) secret's text is a placeholder sentinel rather than the value."""
    if not value:
        return False
    return _SENTINEL.fullmatch(value) is not None


def placeholder(name: str) -> str:
    """The placeholder users see: `${NAME}`."""
    return "${" + name + "}"


def secret_text(value) -> str | None:
    """The plain text of a literal secret; None when absent or an unresolved {env: …} reference."""
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    return None


def mask(answers: Answers, *, redact: bool) -> Answers:
    """A copy of `answers` in which every secret that must be a placeholder (all when `redact`,
    else the absent or unresolved ones) holds its sentinel."""
    masked = answers.model_copy(deep=True)
    for path, name in SECRET_PLACEHOLDERS.items():
        value = get_path(answers, path)
        if value is None and path in OPTIONAL_SECRETS:
            continue  # not given means not used: no placeholder to fill in
        if redact or secret_text(value) is None:
            *parents, last = path.split(".")
            obj = masked
            for part in parents:
                obj = getattr(obj, part)
            setattr(obj, last, SecretStr(sentinel(name)))
    return masked


def finish(text: str) -> tuple[str, set[str]]:
    """Replace the sentinels in finished text by `${NAME}`; also return the names used."""
    used: set[str] = set()

    def sub(m: re.Match) -> str:
        used.add(m[1])
        return placeholder(m[1])

    return _SENTINEL.sub(sub, text), used


def encodings(value: str) -> set[str]:
    """Every form in which a secret could leak into a file: plain, percent-encoded (both
    flavours), base64, Compose `$$`, SQL-escaped, YAML/JSON-escaped. Used to scrub the report and
    by the tests that prove a redacted bundle holds none of them."""
    import json

    from app.artifacts.serialize import compose_escape, dump_yaml, sql_string

    forms = {
        value,
        quote(value, safe=""),
        quote_plus(value, safe=""),
        compose_escape(value),
        sql_string(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
        json.dumps(value)[1:-1],
    }
    forms.add(dump_yaml(value).strip().removeprefix('"').removesuffix('"'))
    raw = value.encode()
    forms.add(base64.b64encode(raw).decode())
    for shift in range(3):  # inside a longer base64 text the value sits at one of 3 alignments
        enc = base64.b64encode(b"\0" * shift + raw).decode()
        full = ((shift + len(raw)) // 3) * 4  # chars fixed by complete 3-byte groups only
        forms.add(enc[4 if shift else 0 : full])
    return {f for f in forms if len(f) >= 4}


REGISTRY_AUTH = "WANDB_REGISTRY_AUTH"  # app.artifacts.registry.AUTH_PLACEHOLDER


def derived_secrets(answers: Answers) -> dict[str, str]:
    """Secrets built from answers, by placeholder name: the registry's docker `auth` (base64 of
    `user:password`), whose base64 does not contain the password's own base64 forms."""
    d = answers.deploy
    password = secret_text(d.registry_password)
    if d.registry_username and password:
        return {REGISTRY_AUTH: base64.b64encode(f"{d.registry_username}:{password}".encode()).decode()}
    return {}


def scrub(text: str, answers: Answers) -> str:
    """Replace any literal secret of `answers` (in any encoding, and the secrets derived from them)
    by its placeholder: for free text such as a check report, which is not built from the schema."""
    values = [(name, secret_text(get_path(answers, path))) for path, name in SECRET_PLACEHOLDERS.items()]
    for name, value in [*derived_secrets(answers).items(), *values]:  # derived first: they contain the others
        if value and len(value) >= 4:
            for form in sorted(encodings(value), key=len, reverse=True):
                text = text.replace(form, placeholder(name))
    return text


__all__ = [
    "mask",
    "finish",
    "placeholder",
    "sentinel",
    "encodings",
    "scrub",
    "secret_text",
    "derived_secrets",
    "EnvRef",
]
