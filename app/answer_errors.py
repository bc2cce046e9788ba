"""What an operator is told about an invalid answers document: one "path: problem" line per error, in
words that say what is allowed (not pydantic's wording), with the closest key for a misspelled one."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ValidationError

from app.answer_patterns import ALLOWED
from app.i18n.message import N_, Msg, Text, as_msg, message_of, msg
from app.suggest import suggest


class AnswersError(ValueError):
    """An invalid answers document; `errors` are "path: message" lines."""

    def __init__(self, errors: Sequence[Text]):
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = list(errors)


def error_message(err: Mapping[str, Any], root: type[BaseModel] | None = None) -> Text:
    """One validation error in words an operator can act on: what is allowed, not pydantic's wording.
    `root` is the model validated: an unknown key's suggestion is the closest key of its section there."""
    kind, ctx = err["type"], err.get("ctx") or {}
    if kind == "extra_forbidden":
        loc = err.get("loc")
        close = suggest(str(loc[-1]), allowed_keys(root, loc[:-1])) if loc and root is not None else None
        return msg("unknown key; did you mean %(key)s?", key=f"`{close}`") if close else N_("unknown key")
    if kind == "missing":
        return N_("required key is missing")
    if kind == "string_pattern_mismatch":
        allowed = ALLOWED.get(str(ctx.get("pattern")))
        return msg("not allowed here; use %(allowed)s", allowed=allowed) if allowed else err["msg"]
    if kind in ("int_parsing", "int_from_float", "int_type"):
        return N_("must be a whole number")
    if kind in ("float_parsing", "float_type"):
        return N_("must be a number")
    if kind in ("bool_parsing", "bool_type"):
        return N_("must be true or false")
    if kind == "greater_than_equal":
        return msg("must be at least %(ge)s", ge=format(ctx["ge"], "g"))
    if kind == "greater_than":
        return msg("must be greater than %(gt)s", gt=format(ctx["gt"], "g"))
    if kind == "less_than_equal":
        return msg("must be at most %(le)s", le=format(ctx["le"], "g"))
    if kind == "string_too_long":
        return msg("too long: at most %(max_length)s characters", max_length=ctx["max_length"])
    if kind in ("literal_error", "enum"):
        return msg("must be one of %(expected)s", expected=ctx["expected"])
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return N_("must be a mapping of keys to values")
    if kind == "string_type":
        return N_("must be text")
    if isinstance(ctx.get("error"), Exception):  # a validator's ValueError: the message it was raised with
        return message_of(ctx["error"])
    return err["msg"].removeprefix("Value error, ")


def allowed_keys(root: type[BaseModel], loc: Sequence[Any]) -> list[str]:
    """The keys the section at `loc` (a validation error's location in `root`) allows, as the file spells them."""
    model = root
    for part in loc:
        info = model.model_fields.get(str(part))
        if info is None:
            info = next((f for f in model.model_fields.values() if f.alias == part), None)
        sub = info.annotation if info is not None else None
        if not (isinstance(sub, type) and issubclass(sub, BaseModel)):
            return []
        model = sub
    return [f.alias or name for name, f in model.model_fields.items()]


def format_errors(exc: ValidationError, root: type[BaseModel]) -> list[Msg]:
    """One "path: problem" message per error of validating `root` (params `path` and `problem`)."""
    lines = []
    for err in exc.errors(include_url=False):
        path = ".".join(str(p) for p in err["loc"]) or "(document)"
        lines.append(msg("%(path)s: %(problem)s", path=path, problem=as_msg(error_message(err, root))))
    return lines
