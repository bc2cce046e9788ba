"""`wbsetup history PROFILE` (SPEC §3): the stored revisions of a profile, oldest first."""

from __future__ import annotations

import json
import sys

MAX_SHOWN = 6  # the text table names this many changed keys per revision, then "+N"


def changed_text(keys: list[str]) -> str:
    shown = ", ".join(keys[:MAX_SHOWN]) or "-"
    return shown + (f" (+{len(keys) - MAX_SHOWN})" if len(keys) > MAX_SHOWN else "")


def command(args, store) -> int:
    from app.store import NotFound

    try:
        revisions = store.list_revisions(args.profile)
    except NotFound:
        from app.suggest import unknown_profile

        print(f"wbsetup: {unknown_profile(args.profile, store)}", file=sys.stderr)
        return 2
    if args.format == "json":
        doc = {"schema": 1, "profile": args.profile, "revisions": [r.to_json() for r in revisions]}
        print(json.dumps(doc, ensure_ascii=False, indent=2))
        return 0
    rows = [("REV", "TIME (UTC)", "SOURCE", "CHANGED")]
    rows += [(str(r.version), r.to_json()["time"], r.source, changed_text(r.changed)) for r in revisions]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    out = sys.stdout
    for row in rows:
        out.write("  ".join(cell.ljust(w) for cell, w in zip(row[:3], widths, strict=True)) + "  " + row[3] + "\n")
    return 0
