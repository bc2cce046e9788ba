"""Versioned requirement profiles, kept as data files (§4).

A profile's `database.parameters` table is the one source for the MySQL server parameters: it
registers the `database.<name>` checks, names the variables `database.connect` reads, fills
sql/parameters.sql and mysql/wandb.cnf, and tells the test stand-ins what a tuned server reports.
Adding a parameter is a row there plus a test row.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

HERE = Path(__file__).parent
PROFILES = ("current", "baseline-8.0.28")


@cache
def load(name: str) -> dict:
    """The requirement profile `name` as a dict (read once)."""
    if name not in PROFILES:
        raise KeyError(f"unknown requirement profile {name!r} (allowed: {', '.join(PROFILES)})")
    with open(HERE / f"{name}.yaml", encoding="utf-8") as fh:
        return yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # libyaml: 60 ms → 5 ms


def parameters(profile: dict) -> dict[str, dict]:
    """The profile's MySQL server parameters: name → rule ({value, compare, required, …})."""
    return profile["database"]["parameters"]


def tuned_variables(profile: dict) -> dict[str, str]:
    """What SHOW GLOBAL VARIABLES reports on a server tuned to the profile (the stand-ins' answers)."""
    return {name: str(rule["value"]) for name, rule in parameters(profile).items()}
