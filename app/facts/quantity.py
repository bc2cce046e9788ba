"""Kubernetes resource quantities (k8s.io/apimachinery/pkg/api/resource), read once for the whole app.

`QUANTITY` is the grammar as a regular expression (the answers model's pattern, so the JSON Schema
says the same); `parse_quantity("500m") == Fraction(1, 2)`, `parse_quantity("4Gi") == 4 * 2**30`.
Exact (Fraction), so "requests ≤ limits" and "allocatable ≥ request" compare the way the API server
does, without float rounding.
"""

from __future__ import annotations

import re
from fractions import Fraction

from app.i18n.message import msg

QUANTITY = (
    r"^[+]?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE][+-]?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$"
)
_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL: dict[str, Fraction | int] = {
    "n": Fraction(1, 10**9),
    "u": Fraction(1, 10**6),
    "m": Fraction(1, 10**3),
    "": 1,
    "k": 10**3,
    "M": 10**6,
    "G": 10**9,
    "T": 10**12,
    "P": 10**15,
    "E": 10**18,
}
_GRAMMAR = re.compile(
    r"^\+?(?P<number>[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"
    r"(?:(?P<binary>[KMGTPE]i)|(?P<decimal>[numkMGTPE])|[eE](?P<exp>[+-]?[0-9]+))?$"
)
GIB = 2**30


class QuantityError(ValueError):
    """Text that is not a Kubernetes quantity."""


def parse_quantity(text: str | int) -> Fraction:
    """The exact value of a quantity such as "2", "500m", "1.5", "4Gi", "8G", "1e3" (or an int, as
    the API returns some); surrounding blanks are ignored. Raises QuantityError."""
    m = _GRAMMAR.match(str(text).strip()) if isinstance(text, (str, int)) and not isinstance(text, bool) else None
    if not m:
        raise QuantityError(msg("not a Kubernetes quantity: %(text)s", text=repr(text)))
    value = Fraction(m["number"])
    if m["binary"]:
        return value * _BINARY[m["binary"]]
    if m["exp"] is not None:
        return value * Fraction(10) ** int(m["exp"])
    return value * _DECIMAL[m["decimal"] or ""]


def format_bytes(value: Fraction) -> str:
    """Bytes as GiB for messages ("7.5 GiB")."""
    return f"{float(value / GIB):.4g} GiB"
