"""Versioned requirement profiles, kept as data files (SPEC §4)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

HERE = Path(__file__).parent
PROFILES = ("current", "baseline-8.0.28")


@lru_cache(maxsize=None)
def load(name: str) -> dict:
    """The requirement profile `name` as a dict (read once)."""
    if name not in PROFILES:
        raise KeyError(f"unknown requirement profile {name!r} (allowed: {', '.join(PROFILES)})")
    with open(HERE / f"{name}.yaml", encoding="utf-8") as fh:
        return yaml.safe_load(fh)
