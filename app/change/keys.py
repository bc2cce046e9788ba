"""The dotted answer keys that differ between two answers documents (names only: a secret's key is
named, its value is never part of the result)."""

from __future__ import annotations

from typing import Any

from app.answers import SECRET_FIELDS

IGNORED = frozenset({"schema", "profile"})  # the profile's identity, not one of its answers


def flatten(doc: dict, prefix: str = "") -> dict[str, Any]:
    """{dotted key: leaf value}; a secret field (a literal, {env: …} or {"$fernet": …}) is one leaf."""
    out: dict[str, Any] = {}
    for key, value in doc.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and path not in SECRET_FIELDS:
            out.update(flatten(value, path + "."))
        elif path not in IGNORED:
            out[path] = value
    return out


def changed_keys(old: dict, new: dict) -> list[str]:
    """Sorted dotted keys whose value was added, removed or changed from `old` to `new`."""
    a, b = flatten(old), flatten(new)
    return sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))
