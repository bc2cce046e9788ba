"""Translating messages that carry values: check messages and hints, action results, form errors.

Every f-string of the modules that produce such messages is listed as a message template in the
generated app/i18n/strings.py (scripts/i18n_strings.py names each field after its expression, e.g.
f"bucket {bucket} does not exist" → "bucket %(bucket)s does not exist"). The template is the catalog
msgid; here each template becomes a pattern that recognises the English message and reads its values
back, so results stored in English show in the reader's language. Values are translated too (a value
may itself be a message or a "; "-separated list of them). A message that matches nothing stays English.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Callable

_FIELD = re.compile(r"%\((\w+)\)s")
_MAX_DEPTH = 3
_QUANTITY = re.compile(r"^([\d.,]+) ([a-z]+)$")


def pattern_of(template: str) -> re.Pattern:
    """The regular expression that matches what `template` % values renders."""
    out, pos = ["^"], 0
    for m in _FIELD.finditer(template):
        out.append(re.escape(template[pos:m.start()].replace("%%", "%")))
        if m.start() == pos and pos > 0:  # right after another field: an appended note (" (…)", "; …") or nothing
            out.append(f"(?P<{m.group(1)}>(?:(?: \\(|; ).*?)?)")
        else:
            out.append(f"(?P<{m.group(1)}>.*?)")
        pos = m.end()
    out.append(re.escape(template[pos:].replace("%%", "%")) + "$")
    return re.compile("".join(out), re.DOTALL)


def _longest_literal(template: str) -> str:
    return max((p.replace("%%", "%") for p in _FIELD.split(template)[::2]), key=len, default="")


@lru_cache(maxsize=1)
def patterns() -> list[tuple[re.Pattern, str, str]]:
    """(pattern, template, longest literal) for every template, the most specific (most literal text)
    first, so "bucket X is in Y, not Z" is tried before "bucket X is in Y"."""
    from app.i18n.strings import TEMPLATES

    literal = lambda t: len(_FIELD.sub("", t))  # noqa: E731
    return [(pattern_of(t), t, _longest_literal(t)) for t in sorted(set(TEMPLATES), key=literal, reverse=True)]


def translate(message: str, gettext: Callable[[str], str]) -> str:
    """`message` in the language of `gettext`: an exact catalog entry, else a matching template's
    translation filled with the (translated) values, else the English message unchanged."""
    return _translate(message, gettext, 0) if message else message


@lru_cache(maxsize=8192)
def _translate(message: str, gettext: Callable[[str], str], depth: int) -> str:
    if not message.strip():  # gettext("") is the catalog's header, never a translation
        return message
    exact = gettext(message)
    if exact != message:
        return exact
    if depth >= _MAX_DEPTH:
        return message
    for pattern, template, anchor in patterns():
        if anchor not in message:
            continue
        m = pattern.match(message)
        if not m:
            continue
        translated = gettext(template)
        if translated == template:
            return message
        values = {k: _value(v, gettext, depth + 1) for k, v in m.groupdict().items()}
        try:
            return translated % values
        except (KeyError, ValueError, TypeError):
            return message
    return _split(message, gettext, depth)


def _split(message: str, gettext: Callable[[str], str], depth: int) -> str:
    """"PREFIX: REST" where no whole pattern matched (a field path, a node name or a sentence before
    a command): each side in the reader's language, as far as either is known."""
    head, sep, rest = message.partition(": ")
    if not sep:
        return message
    left, right = _value(head, gettext, depth + 1), _value(rest, gettext, depth + 1)
    return f"{left}{sep}{right}" if (left, right) != (head, rest) else message


def _value(value: str, gettext: Callable[[str], str], depth: int) -> str:
    """A field's value in the reader's language: a message of its own, or a "; "-list of messages.
    A list whose every item is known reads item by item (a pattern of one item must not swallow the
    rest of the list); otherwise the value as a whole, else whatever items are known."""
    if not value or not any(c.isalpha() for c in value):
        return value
    exact = gettext(value) if value.strip() else value
    if exact != value:
        return exact
    items = value.split("; ")
    listed = [_translate(item, gettext, depth) for item in items] if len(items) > 1 else []
    if listed and all(t != i or not any(c.isalpha() for c in i) for t, i in zip(listed, items)):
        return "; ".join(listed)
    whole = _translate(value, gettext, depth)
    if whole != value:
        return whole
    quantity = _QUANTITY.match(value)
    if quantity:  # "2 cores": the number, then the unit in the reader's language
        return f"{quantity.group(1)} {gettext(quantity.group(2))}"
    return "; ".join(listed) if listed else value
