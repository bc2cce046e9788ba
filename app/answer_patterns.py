"""The patterns of the answers model's text fields, and what each allows in words.

A validation error names what a field allows (ALLOWED) instead of showing its regular expression.
"""

from __future__ import annotations

import re
from typing import Any

from app.facts.quantity import QUANTITY
from app.i18n.message import N_

HOSTNAME = r"^[A-Za-z0-9_]([A-Za-z0-9_.:-]{0,251}[A-Za-z0-9_\]])?$|^\[[0-9A-Fa-f:.]+\]$"
REGISTRY = r"^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?(:[0-9]{1,5})?(/[a-z0-9._-]{1,128}){0,8}$"
# A Docker registry user name: printable ASCII without `:` (docker's `auth` is base64 of user:password).
REGISTRY_USER = r"^[\x20-\x39\x3b-\x7e]{1,255}$"
PEM = dict(json_schema_extra={"widget": "pem"}, max_length=65536)
# Unicode White_Space: what `\s` means to pydantic-core's Rust regex engine (Python's `\s` adds U+001C–U+001F).
_WHITE_SPACE = "\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
CHART_REPO = r"^(https?|oci)://[^\s]{1,2040}$"
BACKUP_DIR = r"^/[^\x00-\x1f]{0,1023}$"


class PythonPattern:
    """`Field(pattern=…)` for a pattern whose counted repetition of a large Unicode class costs pydantic-core's
    Rust engine tens of milliseconds to compile at every start (CHART_REPO: ~50 ms, BACKUP_DIR: ~8 ms; every
    other pattern here < 1 ms): the same check with Python's `re`, compiled in microseconds. `python` is
    `pattern` as a Python full match (same strings accepted: tests/test_answers.py compares every code point);
    the error (type, context, message) and the JSON Schema are those of `Field(pattern=pattern)`."""

    def __init__(self, pattern: str, python: str):
        self.pattern, self._python = pattern, re.compile(python)

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        from pydantic_core import core_schema

        return core_schema.no_info_after_validator_function(self._check, handler(source))

    def __get_pydantic_json_schema__(self, schema: Any, handler: Any) -> Any:
        out = handler(schema)
        out["pattern"] = self.pattern
        return out

    def _check(self, value: str) -> str:
        from pydantic_core import PydanticCustomError

        if self._python.fullmatch(value) is None:
            try:  # the Rust engine reads UTF-8: a lone surrogate is not a string to it
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise PydanticCustomError(
                    "string_unicode", "Input should be a valid string, unable to parse raw data as a unicode string"
                ) from None
            raise PydanticCustomError(
                "string_pattern_mismatch", "String should match pattern '{pattern}'", {"pattern": self.pattern}
            )
        return value


# What each field pattern allows, in words: a validation error names it instead of the regular expression.
ALLOWED = {
    r"^[A-Za-z0-9_-]{1,32}$": N_("letters, digits, _ and - (1–32 characters), e.g. x86_64"),
    HOSTNAME: N_("a host name or IP address, e.g. mysql.acme.internal, 10.0.0.5 or [fd00::5]"),
    r"^[A-Za-z0-9_]{1,64}$": N_("letters, digits and _ (1–64 characters), e.g. wandb_local"),
    r"^[\x20-\x7e]{1,32}$": N_("1–32 printable ASCII characters"),
    r"^[\x20-\x7e]{1,256}$": N_("1–256 printable ASCII characters"),
    r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$": N_(
        "3–63 lower-case letters, digits, . and -, starting and ending with a letter or digit, e.g. wandb-files"
    ),
    r"^[A-Za-z0-9_-]{1,64}$": N_("letters, digits, _ and - (1–64 characters), e.g. us-east-1"),
    r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$": N_(
        "lower-case letters, digits, . and - (a Kubernetes object name), e.g. nginx"
    ),
    r"^[a-z0-9][a-z0-9._/:-]{0,254}$": N_("an image name such as wandb/local or registry.acme.internal/wandb/local"),
    r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$": N_("a release tag such as 0.70.0"),
    r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$": N_("lower-case letters, digits and - (at most 63 characters), e.g. wandb"),
    REGISTRY_USER: N_("1–255 printable ASCII characters without :"),
    REGISTRY: N_("a registry host with an optional port and path, e.g. registry.acme.internal:5000/mirror"),
    CHART_REPO: N_("an http(s):// or oci:// URL, e.g. https://charts.acme.internal/wandb"),
    r"^v?[0-9A-Za-z][0-9A-Za-z.+-]{0,63}$": N_("a chart version such as 0.43.8"),
    BACKUP_DIR: N_("an absolute path such as /var/backups/wandb-mysql"),
    QUANTITY: N_("a Kubernetes quantity such as 2, 500m, 4Gi or 512Mi"),
    r"^[a-z0-9][a-z0-9-]{0,62}$": N_("lower-case letters, digits and - (at most 63 characters), e.g. acme-prod"),
}


# The two patterns PythonPattern checks (a full match of the Python pattern is a match of the schema's).
CHART_REPO_CHECK = PythonPattern(CHART_REPO, rf"(?:https?|oci)://[^{_WHITE_SPACE}\ud800-\udfff]{{1,2040}}")
BACKUP_DIR_CHECK = PythonPattern(BACKUP_DIR, r"/[^\x00-\x1f\ud800-\udfff]{0,1023}")
