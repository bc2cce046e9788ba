"""Structured messages: a template (the catalog msgid) and its values, translated template-first.

A check, an action or a form writes `msg("bucket %(bucket)s does not exist", bucket=name)`. The result
is a `Msg`: a `str` whose text is the English rendering (so the CLI, reports and logs read it as plain
text), which also keeps `template` and `params`. The UI renders `gettext(template) % params` in the
reader's language. Values are never translated, except a value that is itself a `Msg` (rendered
recursively) or a `MsgList` (a "; "-joined list of messages), as in Django's
`ValidationError(message, code, params)` and gettext/ICU practice.

Stored form (`to_data` / `from_data`): {"t": template, "p": {name: value}} with nested messages as the
same shape and lists as {"list": [...]}; plain values stay JSON scalars.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable


class Msg(str):
    """A message with its template and values; `str(m)` is the English text."""

    template: str
    params: dict[str, Any]
    code: str | None

    def __new__(cls, template: str, params: dict[str, Any] | None = None, code: str | None = None) -> "Msg":
        params = dict(params or {})
        obj = super().__new__(cls, _fill(template, params, str))
        obj.template, obj.params, obj.code = template, params, code
        return obj

    def render(self, gettext: Callable[[str], str]) -> str:
        """This message in the language of `gettext` (English when the catalog has no entry)."""
        translated = gettext(self.template) if self.template.strip() else self.template
        try:
            return _fill(translated, self.params, lambda v: _render(v, gettext))
        except (KeyError, ValueError, TypeError):  # a broken translation never hides the message
            return _fill(self.template, self.params, lambda v: _render(v, gettext))

    def map_values(self, fn: Callable[[Any], Any]) -> "Msg":
        """The same message with `fn` applied to every plain value (e.g. scrubbing secrets)."""
        return Msg(self.template, {k: _map(v, fn) for k, v in self.params.items()}, self.code)

    def to_data(self) -> dict:
        d: dict[str, Any] = {"t": self.template, "p": {k: to_data(v) for k, v in self.params.items()}}
        if self.code:
            d["c"] = self.code
        return d

    def __reduce__(self):
        return (Msg, (self.template, self.params, self.code))


class MsgList(str):
    """Several messages joined with "; " (e.g. one per node); each item is rendered on its own."""

    items: list[Any]

    def __new__(cls, items: Iterable[Any], sep: str = "; ") -> "MsgList":
        items = list(items)
        obj = super().__new__(cls, sep.join(str(i) for i in items))
        obj.items, obj.sep = items, sep
        return obj

    def render(self, gettext: Callable[[str], str]) -> str:
        return self.sep.join(_render(i, gettext) for i in self.items)

    def map_values(self, fn: Callable[[Any], Any]) -> "MsgList":
        return MsgList([_map(i, fn) for i in self.items], self.sep)

    def to_data(self) -> dict:
        return {"list": [to_data(i) for i in self.items], "sep": self.sep}

    def __reduce__(self):
        return (MsgList, (self.items, self.sep))


def msg(template: str, /, code: str | None = None, **params: Any) -> Msg:
    """A message: `template` uses `%(name)s` fields (the catalog msgid); `params` fill them."""
    return Msg(template, params, code)


def to_data(value: Any) -> Any:
    """JSON-ready form of a message, a message list or a plain value."""
    if isinstance(value, (Msg, MsgList)):
        return value.to_data()
    return value


def from_data(data: Any) -> Any:
    """The inverse of `to_data`."""
    if isinstance(data, dict) and "t" in data:
        return Msg(data["t"], {k: from_data(v) for k, v in (data.get("p") or {}).items()}, data.get("c"))
    if isinstance(data, dict) and "list" in data:
        return MsgList([from_data(i) for i in data["list"]], data.get("sep", "; "))
    return data


def render(value: Any, gettext: Callable[[str], str]) -> str:
    """Any message in the language of `gettext`; a plain string is looked up whole (fixed texts)."""
    return _render(value, gettext, whole=True)


def _render(value: Any, gettext: Callable[[str], str], whole: bool = False) -> str:
    if isinstance(value, (Msg, MsgList)):
        return value.render(gettext)
    if whole and isinstance(value, str) and value.strip():
        return gettext(value)
    return "" if value is None else str(value)


def _fill(template: str, params: dict[str, Any], show: Callable[[Any], str]) -> str:
    if not params:  # a template without fields is literal text
        return template
    return template % {k: show(v) for k, v in params.items()}


def _map(value: Any, fn: Callable[[Any], Any]) -> Any:
    if isinstance(value, (Msg, MsgList)):
        return value.map_values(fn)
    return fn(value)
