"""“Did you mean …?”: the allowed name closest to a misspelt one (answers keys, step and check ids)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def suggest(word: str, choices: Iterable[str]) -> str | None:
    """The choice closest to `word` (difflib's ratio ≥ 0.6), or None when none is close."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return close[0] if close else None


def unknown_ids(wanted: Iterable[str], known: Iterable[str], what: str) -> list[str]:
    """One line per id of `wanted` that is not in `known`, each with the closest known id when there is one."""
    known = list(known)
    lines = []
    for word in wanted:
        if word in known:
            continue
        close = suggest(word, known)
        lines.append(f"unknown {what} {word!r}" + (f"; did you mean `{close}`?" if close else ""))
    return lines


DEMO_PROFILE = "demo"  # the demo's profile (app.demo.profile.PROFILE); the demo keeps its own state


def unknown_profile(name: str, store) -> str:
    """The CLI's line for a profile that `store` (app.store.Store) does not hold: the closest stored name,
    or for the demo's profile where its answers come from."""
    close = suggest(name, [p.name for p in store.list_profiles(limit=1000)])
    if close:
        return f"unknown profile {name!r}; did you mean `{close}`?"
    if name == DEMO_PROFILE:
        return f"unknown profile {name!r}; the demo keeps its own state: print its answers with `wbsetup demo --print-answers`"
    return f"unknown profile {name!r}"
