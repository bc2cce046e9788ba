"""Structured messages: a template (the catalog msgid) and its values, translated template-first.

A check, an action or a form writes `msg("bucket %(bucket)s does not exist", bucket=name)`. The result
is a `Msg`: a `str` whose text is the English rendering (so the CLI, reports and logs read it as plain
text), which also keeps `template` and `params`. The UI renders `gettext(template) % params` in the
reader's language. Values are never translated, except a value that is itself a `Msg` (rendered
recursively) or a `MsgList` (a "; "-joined list of messages), as in Django's
`ValidationError(message, code, params)` and gettext/ICU practice.

Stored form (`to_data` / `from_data`): {"t": template, "p": {name: value}} with nested messages as the
same shape and lists as {"list": [...]}; plain values stay JSON scalars (any other value is kept as its
text when the message is made, so a stored message reads exactly as it was written).

`nmsg(singular, plural, n, …)` is a message about a count (ngettext: the reader's language picks the
form), `N_("…")` declares a fixed text for the catalog where it is written (babel.cfg keywords).

Helpers: `msg_format` for the `{name}` texts of the requirement files, `message_of` for an exception
whose argument is a message, `MsgList` for a "; "-joined list.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol


class Translations(Protocol):
    """What rendering needs of a language's catalog (gettext.NullTranslations / GNUTranslations)."""

    def gettext(self, message: str, /) -> str: ...

    def ngettext(self, singular: str, plural: str, n: int, /) -> str: ...


@dataclass(frozen=True, eq=True, repr=False, init=False)
class Msg:
    """A message: its template (the catalog msgid), its values by name, and for a message about a count
    (`nmsg`) the `plural` template and the count `n` that chooses between them. It is not a string:
    `str(m)` is the English text, two messages are equal when template and values are, and the page
    renders it in the reader's language (`render`). It keeps only the values its templates name: one
    passed for no field (a subject's other fields, `msg(t, **about)`) is dropped, so a message is stored
    and compared by what it shows."""

    template: str
    params: Mapping[str, Any]
    plural: str | None
    n: int | None

    def __init__(
        self,
        template: str,
        params: Mapping[str, Any] | None = None,
        plural: str | None = None,
        n: int | None = None,
    ) -> None:
        named = set(_NAMES.findall(template)) | set(_NAMES.findall(plural or "")) | ({"n"} if plural else set())
        values = {k: _plain(v) for k, v in (params or {}).items() if k in named}  # a value no template shows is dropped
        for name, value in (("template", template), ("params", values), ("plural", plural), ("n", n)):
            object.__setattr__(self, name, value)
        _fill(self._english_template(), values, str)  # a template its values cannot fill fails here, at once

    def _english_template(self) -> str:
        return self.plural if self.plural is not None and self.n != 1 else self.template

    def __str__(self) -> str:
        return _fill(self._english_template(), dict(self.params), str)

    def __repr__(self) -> str:
        return f"Msg({str(self)!r})"

    def __bool__(self) -> bool:
        return bool(str(self))

    def __hash__(self) -> int:
        return hash((self.template, tuple(sorted((k, repr(v)) for k, v in self.params.items())), self.plural, self.n))

    def render(self, tr: Translations) -> str:
        """This message in the language of `tr` (English when the catalog has no entry); a count
        message takes the form the language's plural rule chooses for `n`."""
        if self.plural is not None:
            translated = tr.ngettext(self.template, self.plural, self.n if self.n is not None else 0)
        else:
            translated = tr.gettext(self.template) if self.template.strip() else self.template
        params = dict(self.params)
        try:
            return _fill(translated, params, lambda v: _render(v, tr))
        except (KeyError, ValueError, TypeError):  # a broken translation never hides the message
            return _fill(self._english_template(), params, lambda v: _render(v, tr))

    def map_values(self, fn: Callable[[Any], Any]) -> Msg:
        """The same message with `fn` (a text → text function: scrubbing secrets) applied to its template
        and every value. The English text is always exactly `fn(str(self))`: when the structure cannot
        give that (a secret spanning a value and the text around it), the result is that text alone."""
        whole = fn(str(self))
        try:
            params = {k: _map(v, fn) for k, v in self.params.items()}
            plural = None if self.plural is None else _map(self.plural, fn)
            mapped: Msg | None = Msg(_map(self.template, fn), params, plural, self.n)
        except (KeyError, ValueError, TypeError):
            mapped = None
        return mapped if mapped is not None and str(mapped) == whole else Msg(whole)

    def to_data(self) -> dict:
        d: dict[str, Any] = {"t": self.template, "p": {k: to_data(v) for k, v in self.params.items()}}
        if self.plural is not None:
            d["pl"], d["n"] = self.plural, self.n
        return d

    def __reduce__(self):
        return (Msg, (self.template, dict(self.params), self.plural, self.n))


@dataclass(frozen=True, eq=True, repr=False, init=False)
class MsgList:
    """Several messages joined with "; " (e.g. one per node); each item is rendered on its own (a plain
    text item is a fixed text, looked up whole: put values in a message's params, never in a list)."""

    items: tuple[Any, ...]
    sep: str

    def __init__(self, items: Iterable[Any], sep: str = "; ") -> None:
        object.__setattr__(self, "items", tuple(items))
        object.__setattr__(self, "sep", sep)

    def __str__(self) -> str:
        return self.sep.join(str(i) for i in self.items)

    def __repr__(self) -> str:
        return f"MsgList({str(self)!r})"

    def __bool__(self) -> bool:
        return bool(str(self))

    def render(self, tr: Translations) -> str:
        return self.sep.join(_render(i, tr, whole=True) for i in self.items)

    def map_values(self, fn: Callable[[Any], Any]) -> MsgList | Msg:
        """As `Msg.map_values`, item by item."""
        mapped = MsgList([_map(i, fn) for i in self.items], self.sep)
        whole = fn(str(self))
        return mapped if str(mapped) == whole else Msg(whole)

    def to_data(self) -> dict:
        return {"list": [to_data(i) for i in self.items], "sep": self.sep}

    def __reduce__(self):
        return (MsgList, (list(self.items), self.sep))


Text = str | Msg | MsgList  # what a message field holds: a fixed text, a message, or a list of them


def msg(template: str, /, **params: Any) -> Msg:
    """A message: `template` uses `%(name)s` fields (the catalog msgid); `params` fill them (a template
    with fields and no values is refused: it would show its fields as they are)."""
    if not params and _FIELD.search(template):
        raise KeyError(f"msg({template!r}) has fields but no values")
    return Msg(template, params)


def nmsg(singular: str, plural: str, n: int, /, **params: Any) -> Msg:
    """A message about a count: `singular` when `n` is one, else `plural` in English, and the form the
    reader's language chooses for `n` (ngettext); `n` also fills `%(n)s` unless `params` names it."""
    return Msg(singular, {"n": n, **params}, plural, n)


def N_(text: str, /) -> str:
    """Declares a fixed text (a title, a label, a hint without values) for the catalog where it is
    written: `pybabel extract` finds it (babel.cfg keywords), and it is returned as it is. The page looks
    it up whole in the reader's language where it is shown (`render`, the templates' `tr`)."""
    return text


def msg_format(text: str, /, **fmt: Any) -> Msg:
    """A `str.format` text with `{name}` / `{name:spec}` fields (a requirement file's message or hint) as a
    message: its template is the text with `%(name)s` fields (the catalog msgid)."""
    params: dict[str, Any] = {}

    def field(m: re.Match) -> str:
        name, spec = m.group(1), m.group(2)
        params[name] = format(fmt[name], spec) if spec else fmt[name]
        return f"%({name})s"

    template = _FORMAT_FIELD.sub(field, text.replace("%", "%%"))
    return Msg(template if params else text, params)


def format_template(text: str) -> str:
    """The catalog msgid `msg_format` makes of a `{name}` text (the text itself when it has no field)."""
    if not _FORMAT_FIELD.search(text):
        return text
    return _FORMAT_FIELD.sub(lambda m: f"%({m.group(1)})s", text.replace("%", "%%"))


def as_msg(text: Any) -> Any:
    """A message as it is; a plain text as a fixed-text message (its whole text is the msgid), so it reads
    in the reader's language where it is a value of another message."""
    if isinstance(text, (Msg, MsgList)) or not isinstance(text, str) or not text.strip():
        return text
    return Msg(text)


def message_of(exc: BaseException) -> Any:
    """The message an exception was raised with: a `Msg`/`MsgList` argument as it is, else the text."""
    args: tuple[Any, ...] = getattr(exc, "args", ())
    if len(args) == 1 and isinstance(args[0], (Msg, MsgList)):
        return args[0]
    return str(exc)


def english(value: Any) -> Any:
    """`value` with every message in it as its English text (lists, tuples and dicts through): what a
    report, a JSON answer or a log line shows."""
    if isinstance(value, (Msg, MsgList)):
        return str(value)
    if isinstance(value, dict):
        return {k: english(v) for k, v in value.items()}
    if isinstance(value, list):
        return [english(v) for v in value]
    if isinstance(value, tuple):
        return tuple(english(v) for v in value)
    return value


def to_data(value: Any) -> Any:
    """JSON-ready form of a message, a message list or a plain value."""
    if isinstance(value, (Msg, MsgList)):
        return value.to_data()
    return value


def from_data(data: Any) -> Any:
    """The inverse of `to_data`."""
    if isinstance(data, dict) and "t" in data:
        params = {k: from_data(v) for k, v in (data.get("p") or {}).items()}
        return Msg(data["t"], params, data.get("pl"), data.get("n"))
    if isinstance(data, dict) and "list" in data:
        return MsgList([from_data(i) for i in data["list"]], data.get("sep", "; "))
    return data


STRUCTURED = "i18n"  # the key of a stored record that holds the structured form of its texts


def with_structure(record: Mapping[str, Any], fields: Iterable[str] = ("message", "hint")) -> dict:
    """`record` (e.g. a check result's report form, English text) plus, under "i18n", the template and
    values of each of its `fields` that is a message: what is stored."""
    out = dict(record)
    structured = {k: to_data(out[k]) for k in fields if isinstance(out.get(k), (Msg, MsgList))}
    for k in structured:
        out[k] = str(out[k])  # the English text beside its structure
    if structured:
        out[STRUCTURED] = structured
    return out


def with_messages(record: Mapping[str, Any]) -> dict:
    """The inverse of `with_structure`: the stored texts back as messages ("i18n" read and dropped). A
    record stored before messages were structured has no "i18n": its English texts stay as they are."""
    out = dict(record)
    for k, v in (out.pop(STRUCTURED, None) or {}).items():
        out[k] = from_data(v)
    return out


def render(value: Any, tr: Translations) -> str:
    """Any message in the language of `tr`; a plain string is looked up whole (fixed texts)."""
    return _render(value, tr, whole=True)


def _render(value: Any, tr: Translations, whole: bool = False) -> str:
    if isinstance(value, (Msg, MsgList)):
        return value.render(tr)
    if whole and isinstance(value, str) and value.strip():
        return tr.gettext(value)
    return "" if value is None else str(value)


def _fill(template: str, params: dict[str, Any], show: Callable[[Any], str]) -> str:
    """`template % params`; nested messages through `show` (plain values keep their type for %d, %s…)."""
    if not params:  # a template without fields is literal text
        return template
    return template % {k: show(v) if isinstance(v, (Msg, MsgList)) else v for k, v in params.items()}


_FORMAT_FIELD = re.compile(r"\{(\w+)(?::([^}\s]*))?\}")
_FIELD = re.compile(r"%\(\w+\)")
_NAMES = re.compile(r"%\((\w+)\)")


def _plain(value: Any) -> Any:
    """A parameter as it is kept: messages, text, numbers and None as they are; an exception as the message
    it was raised with (a plain text one as a fixed text); anything else as its text."""
    if isinstance(value, (Msg, MsgList)) or value is None or type(value) in (str, int, float, bool):
        return value
    if isinstance(value, BaseException):  # our own exceptions carry a message or a fixed text
        return as_msg(message_of(value))
    return str(value)


def _map(value: Any, fn: Callable[[Any], Any]) -> Any:
    if isinstance(value, (Msg, MsgList)):
        return value.map_values(fn)
    return fn(value)
