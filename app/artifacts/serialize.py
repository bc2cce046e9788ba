"""The only writers of structured text: YAML, SQL literals and identifiers, compose escaping.

Artifacts are built as data and serialised here, never through text templates, so any printable
value (quotes, backslashes, `$`, `@`, `/`, `%`, non-ASCII) reaches the consumer unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import yaml

# libyaml's emitter when PyYAML has it (several times faster on long PEM values); same output.
if TYPE_CHECKING:
    _Base = yaml.SafeDumper
else:
    _Base = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Dumper(_Base):
    """Quotes every string (double-quoted, so "no", "1.0", "0x1f" or "~" stay strings) and never
    emits anchors or aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_./-]*$")
_YAML11_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}


class _Key(str):
    """A mapping key that is safe to write unquoted (pure readability; values are always quoted)."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"')


def _key(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", str(value), style=None)


def _dict(dumper: yaml.SafeDumper, data: dict) -> yaml.Node:
    items = [
        (_Key(k) if isinstance(k, str) and _PLAIN_KEY.match(k) and k.lower() not in _YAML11_WORDS else k, v)
        for k, v in data.items()
    ]
    return dumper.represent_mapping("tag:yaml.org,2002:map", items)


_Dumper.add_representer(str, _str)
_Dumper.add_representer(_Key, _key)
_Dumper.add_representer(dict, _dict)


def dump_yaml(data: Any) -> str:
    """One YAML document; key order as given; every string double-quoted."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1 << 16, default_flow_style=False)


def dump_yaml_all(docs: Iterable[Any]) -> str:
    return yaml.dump_all(
        list(docs),
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=1 << 16,
        default_flow_style=False,
        explicit_start=True,
    )


# MySQL string literals. The scripts we write pin sql_mode (without NO_BACKSLASH_ESCAPES), so the
# backslash escapes below mean the same on every server (MySQL 5.7/8.x, MariaDB).
SQL_MODE = "STRICT_TRANS_TABLES,NO_ENGINE_SUBSTITUTION"
_SQL_ESCAPES = {"\\": "\\\\", "'": "\\'", "\0": "\\0", "\n": "\\n", "\r": "\\r", "\x1a": "\\Z"}


def sql_string(value: str) -> str:
    """A MySQL string literal for `value` ('…' with backslash escapes)."""
    return "'" + "".join(_SQL_ESCAPES.get(ch, ch) for ch in value) + "'"


def sql_ident(name: str) -> str:
    """A MySQL identifier in backticks."""
    return "`" + name.replace("`", "``") + "`"


def sql_account(user: str, host: str = "%") -> str:
    return f"{sql_string(user)}@{sql_string(host)}"


def compose_escape(value: str) -> str:
    """Compose interpolates `$`; `$$` is a literal dollar."""
    return value.replace("$", "$$")
