"""`wbsetup diff OLD NEW [--format text|json]` (SPEC §3): exit 0 identical, 1 different, 2 invalid input."""

from __future__ import annotations

import json
import os
import sys


def command(args, store_factory) -> int:
    from app.answers import AnswersError
    from app.change.diff import compare
    from app.change.sources import SourceError, load_side

    opened: list = []

    def store():  # opened once, and only when a side is a stored revision
        if not opened:
            opened.append(store_factory())
        return opened[0]

    key = os.urandom(32)  # digests of secrets mean something within this one comparison only
    try:
        old = load_side(args.old, store, key)
        new = load_side(args.new, store, key)
    except SourceError as exc:
        print(f"wbsetup: {exc}", file=sys.stderr)
        return 2
    except AnswersError as exc:
        for line in exc.errors:
            print(f"wbsetup: {line}", file=sys.stderr)
        return 2
    result = compare(old, new, key)
    if args.format == "json":
        print(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
    else:
        sys.stdout.write(result.text())
    return 0 if result.identical else 1
