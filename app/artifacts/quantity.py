"""A small parser for Kubernetes resource quantities (k8s.io/apimachinery/pkg/api/resource).

`parse_quantity("500m") == Fraction(1, 2)`, `parse_quantity("4Gi") == 4 * 2**30`. Exact (Fraction),
so "requests ≤ limits" compares the way the API server does, without float rounding.
"""

from __future__ import annotations

import re
from fractions import Fraction

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
    r"^(?P<sign>[+-]?)(?P<number>[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"
    r"(?:(?P<binary>[KMGTPE]i)|(?P<decimal>[numkMGTPE])|[eE](?P<exp>[+-]?[0-9]+))?$"
)


class QuantityError(ValueError):
    """Text that is not a Kubernetes quantity."""


def parse_quantity(text: str) -> Fraction:
    """The exact value of a quantity such as "2", "500m", "1.5", "4Gi", "8G" or "1e3"."""
    m = _GRAMMAR.match(text.strip()) if isinstance(text, str) else None
    if not m:
        raise QuantityError(f"{text!r} is not a Kubernetes quantity (e.g. 500m, 2, 4Gi)")
    value = Fraction(m["number"])
    if m["binary"]:
        value *= _BINARY[m["binary"]]
    elif m["exp"] is not None:
        value *= Fraction(10) ** int(m["exp"])
    else:
        value *= _DECIMAL[m["decimal"] or ""]
    return -value if m["sign"] == "-" else value


GIB = 2**30


def format_bytes(value: Fraction) -> str:
    """Bytes as GiB for messages ("7.5 GiB")."""
    return f"{float(value / GIB):.4g} GiB"
