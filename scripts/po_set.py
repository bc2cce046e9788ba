"""Set Korean translations in the catalog from a JSON file {msgid: msgstr} (clears `fuzzy`); for a plural
message (nmsg) the msgid is the singular and msgstr a list of the forms (Korean has one).

Usage: python scripts/po_set.py translations.json   — the way helpers and maintainers add entries
without hand-editing the .po (it is rewritten in `pybabel update --no-wrap` form).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

PO = Path(__file__).resolve().parent.parent / "app" / "i18n" / "locale" / "ko" / "LC_MESSAGES" / "messages.po"


def main(path: str) -> int:
    entries = json.loads(Path(path).read_text(encoding="utf-8"))
    with PO.open("rb") as fh:
        cat = read_po(fh, locale="ko")
    missing = []
    for msgid, msgstr in entries.items():
        m = cat.get(msgid)
        if m is None:
            missing.append(msgid)
            continue
        m.string = tuple(msgstr) if isinstance(msgstr, list) else msgstr  # a list: the plural forms
        m.flags.discard("fuzzy")
    with PO.open("wb") as fh:
        write_po(fh, cat, width=0, omit_header=False, sort_output=False, ignore_obsolete=True)
    if missing:
        print("not in the catalog (run `make i18n` first):", *missing, sep="\n  ", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
