"""The bundle diff between two stored revisions of a profile (the History page; `wbsetup diff P@A P@B`
does the same through app.change.sources)."""

from __future__ import annotations

import os

from app.change.diff import BundleDiff, compare
from app.change.sources import from_answers


def diff_revisions(store, name: str, old: int, new: int) -> BundleDiff:
    key = os.urandom(32)  # digests of secrets mean something within this one comparison only
    a, va = store.get_revision(name, old)
    b, vb = store.get_revision(name, new)
    return compare(from_answers(f"{name}@{va}", a, key), from_answers(f"{name}@{vb}", b, key), key)
