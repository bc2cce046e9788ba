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
    # app/checks/object_store.py
    (r"^(?P<where>\S+) \((?P<ip>[^)]+)\) accepts TCP connections$", "%(where)s (%(ip)s) accepts TCP connections"),
    (r"^cannot connect to (?P<where>\S+): (?P<causes>.+)$", "cannot connect to %(where)s: %(causes)s"),
    (r"^the store accepted a request signed with access key (?P<key>.+)$",
     "the store accepted a request signed with access key %(key)s"),
    (r"^the store does not know access key (?P<key>.+) \(InvalidAccessKeyId\)$",
     "the store does not know access key %(key)s (InvalidAccessKeyId)"),
    (r"^the secret key does not match access key (?P<key>.+) \(SignatureDoesNotMatch\)$",
     "the secret key does not match access key %(key)s (SignatureDoesNotMatch)"),
    (r"^bucket (?P<bucket>\S+) exists and can be listed$", "bucket %(bucket)s exists and can be listed"),
    (r"^bucket (?P<bucket>\S+) does not exist \(NoSuchBucket\)$", "bucket %(bucket)s does not exist (NoSuchBucket)"),
    (r"^bucket (?P<bucket>\S+) is in (?P<actual>\S+), not (?P<region>\S+)$",
     "bucket %(bucket)s is in %(actual)s, not %(region)s"),
    (r"^bucket (?P<bucket>\S+) is in (?P<actual>\S+)$", "bucket %(bucket)s is in %(actual)s"),
    (r"^browsers at (?P<origin>\S+) may PUT and GET objects$", "browsers at %(origin)s may PUT and GET objects"),
    (r"^the bucket refuses the browser preflight from (?P<origin>\S+) \((?P<detail>.*)\)$",
     "the bucket refuses the browser preflight from %(origin)s (%(detail)s)"),
    # app/checks/tls.py
    (r"^W&B should be served over TLS: host is (?P<host>\S+)$", "W&B should be served over TLS: host is %(host)s"),
    (r"^(?P<name>\S+) is covered by (?P<how>.+)$", "%(name)s is covered by %(how)s"),
    (r"^(?P<name>\S+) is not covered by the certificate: (?P<how>.+)$",
     "%(name)s is not covered by the certificate: %(how)s"),
    (r"^the certificate expired on (?P<date>\S+) \((?P<days>\d+) days ago\)$",
     "the certificate expired on %(date)s (%(days)s days ago)"),
    (r"^the certificate is not valid yet: valid from (?P<date>\S+)$", "the certificate is not valid yet: valid from %(date)s"),
    (r"^(?P<name>\S+) does not resolve from this machine \((?P<detail>.*)\)$",
     "%(name)s does not resolve from this machine (%(detail)s)"),
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
