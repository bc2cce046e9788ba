"""Drift (SPEC §10): an object the bundle applies against the live one, field by field, over the fields
the bundle sets only, so whatever the API server adds or defaults (status, uid, resourceVersion,
managedFields, imagePullPolicy, clusterIP, revisionHistoryLimit, …) is not drift. Lists of named items
(containers, env, ports, volumes) are matched by name: `containers[wandb].env[AWS_REGION].value`. A
Secret's `stringData` is compared with the live `data`, decoded; secret values are never shown."""

from __future__ import annotations

import base64
import binascii
import re
from fractions import Fraction
from typing import Any

SECRET, CHANGED = "(secret)", "(secret changed)"
# Owned by the API server even where a bundle could name them: never compared.
SERVER_OWNED = frozenset(
    {"metadata.uid", "metadata.resourceVersion", "metadata.generation", "metadata.creationTimestamp",
     "metadata.managedFields", "metadata.selfLink", "status"}
)  # fmt: skip
_SENSITIVE = re.compile(r"(?i)(password|passwd|secret|token|license|api_?key|credential|auth)$")


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _empty(value: Any) -> bool:
    return value is None or value == {} or value == []


def _named(items: list) -> bool:
    return bool(items) and all(isinstance(i, dict) and isinstance(i.get("name"), str) for i in items)


def _same(desired: Any, live: Any, path: str) -> bool:
    if desired == live:
        return True
    if isinstance(desired, (int, str)) and isinstance(live, (int, str)) and not isinstance(desired, bool):
        if str(desired) == str(live):  # int-or-string fields (targetPort, maxSurge)
            return True
        if ".resources." in f".{path}":
            return _quantity(desired) == _quantity(live) is not None
    return False


def _quantity(value: Any) -> Fraction | None:
    from app.facts.quantity import parse_quantity

    try:
        return parse_quantity(value)
    except ValueError:
        return None


class Comparer:
    """Compares desired with live; `hidden(text)` says whether a value must not be shown (a secret's)."""

    def __init__(self, hidden):
        self.hidden = hidden
        self.fields: list[dict] = []

    def add(self, path: str, desired: Any, live: Any) -> None:
        secret = _SENSITIVE.search(path.rsplit(".", 1)[-1].split("[")[0]) or self.hidden(desired) or self.hidden(live)
        if secret:
            desired = None if desired is None else SECRET
            live = None if live is None else CHANGED
        self.fields.append({"path": path, "desired": desired, "live": live})

    def compare(self, desired: Any, live: Any, path: str = "") -> None:
        if path in SERVER_OWNED:
            return
        if isinstance(desired, dict):
            if not isinstance(live, dict):
                return self.add(path, desired, live)
            for key, value in desired.items():
                sub = _join(path, key)
                if key not in live or live[key] is None:
                    if not _empty(value) and sub not in SERVER_OWNED:
                        self.add(sub, value, None)
                    continue
                self.compare(value, live[key], sub)
        elif isinstance(desired, list):
            if not isinstance(live, list):
                return self.add(path, desired, live)
            if _named(desired) and (not live or _named(live)):
                by_name = {i["name"]: i for i in live}
                for item in desired:
                    sub = f"{path}[{item['name']}]"
                    if item["name"] not in by_name:
                        self.add(sub, item, None)
                    else:
                        self.compare(item, by_name.pop(item["name"]), sub)
                for name, item in by_name.items():  # added in the cluster (kubectl set env, a patch)
                    self.add(f"{path}[{name}]", None, item)
            elif len(desired) != len(live):
                self.add(path, desired, live)
            else:
                for i, (d, lv) in enumerate(zip(desired, live, strict=True)):
                    self.compare(d, lv, f"{path}[{i}]")
        elif not _same(desired, live, path):
            self.add(path, desired, live)


def _decoded(data: dict | None) -> dict[str, bytes | None]:
    out: dict[str, bytes | None] = {}
    for key, value in (data or {}).items():
        try:
            out[key] = base64.b64decode(value or "", validate=True)
        except (binascii.Error, ValueError):
            out[key] = None
    return out


def compare_secret(desired: dict, live: dict, comparer: Comparer) -> None:
    """stringData and data of the bundle against the live data, decoded; values never shown."""
    want = _decoded(desired.get("data"))
    want.update({k: v.encode("utf-8") for k, v in (desired.get("stringData") or {}).items()})
    have = _decoded(live.get("data"))
    for key in sorted(want.keys() | have.keys()):
        if key not in have:
            comparer.fields.append({"path": f"data.{key}", "desired": SECRET, "live": None})
        elif key not in want:
            comparer.fields.append({"path": f"data.{key}", "desired": None, "live": SECRET})
        elif want[key] != have[key]:
            comparer.fields.append({"path": f"data.{key}", "desired": SECRET, "live": CHANGED})
    rest = {k: v for k, v in desired.items() if k not in ("data", "stringData")}
    comparer.compare(rest, live)


def object_fields(desired: dict, live: dict, hidden) -> list[dict]:
    comparer = Comparer(hidden)
    if desired.get("kind") == "Secret":
        compare_secret(desired, live, comparer)
    else:
        comparer.compare(desired, live)
    return comparer.fields
