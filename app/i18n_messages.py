"""Translating check messages and hints that carry values (the engine's and the checks' f-strings).

Each entry pairs a pattern that recognises an English message with its message template, which is
the catalog msgid (translated in app/locale/ko/LC_MESSAGES/messages.po). A message that matches no
pattern and has no exact catalog entry stays English. Keep a pattern next to the f-string it mirrors
in mind when rewording a check: tests/test_i18n_messages.py renders real outcomes through this table.
"""

from __future__ import annotations

import re
from typing import Callable

# (pattern, msgid template) — the template's %(name)s fields are the pattern's named groups.
PATTERNS: list[tuple[re.Pattern, str]] = [(re.compile(p), t) for p, t in [
    # app/checks/engine.py
    (r"^input missing: (?P<fields>.+)$", "input missing: %(fields)s"),
    (r"^skipped: (?P<dep>\S+) did not pass \((?P<status>\w+)\)$", "skipped: %(dep)s did not pass (%(status)s)"),
    (r"^skipped: (?P<dep>\S+) was skipped \((?P<reason>.*)\)$", "skipped: %(dep)s was skipped (%(reason)s)"),
    (r"^timed out after (?P<seconds>[\d.]+) s$", "timed out after %(seconds)s s"),
    (r"^check crashed: (?P<detail>.+)$", "check crashed: %(detail)s"),
    # app/checks/hardware.py
    (r"^The application node has (?P<shown>.+?); W&B needs at least (?P<need>.+)$",
     "The application node has %(shown)s; W&B needs at least %(need)s"),
    (r"^The database server has (?P<shown>.+?); W&B needs at least (?P<need>.+)$",
     "The database server has %(shown)s; W&B needs at least %(need)s"),
    (r"^The application node has (?P<shown>.+?); W&B recommends dual (?P<gbps>.+) GbE or faster$",
     "The application node has %(shown)s; W&B recommends dual %(gbps)s GbE or faster"),
    (r"^The database server has (?P<shown>.+?); W&B recommends dual (?P<gbps>.+) GbE or faster$",
     "The database server has %(shown)s; W&B recommends dual %(gbps)s GbE or faster"),
    (r"^Give each node at least (?P<need>\S+) CPU cores$", "Give each node at least %(need)s CPU cores"),
    (r"^Give each node at least (?P<need>\S+) GiB of memory$", "Give each node at least %(need)s GiB of memory"),
    (r"^Use a disk of at least (?P<need>\S+) GB$", "Use a disk of at least %(need)s GB"),
    (r"^(?P<arch>\S+) is not supported: W&B Server images are built for x86-64 only$",
     "%(arch)s is not supported: W&B Server images are built for x86-64 only"),
    # app/checks/_dbrules.py
    (r"^(?P<name>[a-z_]+) is (?P<observed>[^;]+); W&B requires (?P<want>.+)$",
     "%(name)s is %(observed)s; W&B requires %(want)s"),
    (r"^(?P<name>[a-z_]+) is (?P<observed>[^;]+); W&B recommends at least (?P<want>.+)$",
     "%(name)s is %(observed)s; W&B recommends at least %(want)s"),
    (r"^(?P<name>[a-z_]+) is unknown: the server has no such variable$",
     "%(name)s is unknown: the server has no such variable"),
]]


def translate(message: str, gettext: Callable[[str], str]) -> str:
    """`message` in the language of `gettext`: an exact catalog entry, else a matching pattern's
    translated template filled with the values, else the English message unchanged."""
    if not message:
        return message
    exact = gettext(message)
    if exact != message:
        return exact
    for pattern, template in PATTERNS:
        m = pattern.match(message)
        if m:
            translated = gettext(template)
            if translated == template:
                return message
            try:
                return translated % m.groupdict()
            except (KeyError, ValueError, TypeError):
                return message
    return message
