"""The secret value type of the answers model.

A secret field holds either a literal (pydantic's SecretStr: masked in repr, str and logs) or a
reference `{env: VARIABLE}` resolved from the environment when validating or rendering, so a GitOps
repository holds no secrets (§2).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, SecretStr, WithJsonSchema

ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")


class EnvRef(BaseModel):
    """`{env: VARIABLE}`: the secret's value comes from that environment variable."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    env: str


SecretValue = SecretStr | EnvRef


def _parse(max_length: int):
    def parse(value: Any) -> SecretValue | None:
        if value is None or isinstance(value, (SecretStr, EnvRef)):
            return value
        if isinstance(value, str):
            if len(value) > max_length:
                raise ValueError(f"at most {max_length} characters")
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise ValueError("not valid Unicode text (contains a lone surrogate such as \\ud83d)") from None
            return SecretStr(value)
        if isinstance(value, Mapping):
            if set(value) != {"env"}:
                extra = sorted(set(value) - {"env"})
                raise ValueError(
                    f"a secret reference has exactly one key, env (found {', '.join(map(str, extra)) or 'none'})"
                )
            name = value["env"]
            if not isinstance(name, str) or not ENV_NAME.match(name):
                raise ValueError("env must name an environment variable ([A-Za-z_][A-Za-z0-9_]*)")
            return EnvRef(env=name)
        raise ValueError("a string or a reference {env: VARIABLE}")

    return parse


def _schema(description: str, max_length: int) -> dict:
    return {
        "description": description,
        "anyOf": [
            {"type": "string", "maxLength": max_length, "writeOnly": True, "format": "password"},
            {
                "type": "object",
                "properties": {"env": {"type": "string", "pattern": ENV_NAME.pattern}},
                "required": ["env"],
                "additionalProperties": False,
            },
            {"type": "null"},
        ],
    }


def Secret(description: str, *, title: str | None = None, widget: str = "password", max_length: int = 4096):
    """Annotated type for a secret field. `widget` is a hint for the web form."""
    return Annotated[
        SecretStr | EnvRef | None,
        BeforeValidator(_parse(max_length)),
        WithJsonSchema(_schema(description, max_length)),
        Field(default=None, title=title, description=description, json_schema_extra={"secret": True, "widget": widget}),
    ]


class UnresolvedSecret(ValueError):
    """{env: VAR} references whose variables are not set: `path` and `variable` name the first,
    `missing` lists every (path, variable)."""

    def __init__(self, path: str, variable: str, missing: list[tuple[str, str]] | None = None):
        self.missing = missing or [(path, variable)]
        if len(self.missing) == 1:
            text = f"{path}: environment variable {variable} is not set"
        else:
            names = ", ".join(f"{var} ({where})" for where, var in self.missing)
            text = f"{len(self.missing)} environment variables are not set: {names}"
        super().__init__(text)
        self.path = path
        self.variable = variable

    @classmethod
    def of(cls, missing: list[tuple[str, str]]) -> UnresolvedSecret:
        return cls(missing[0][0], missing[0][1], missing)


def reveal(value: SecretValue | None) -> str | None:
    """The plain text of a literal secret (None for absent). References must be resolved first."""
    if value is None:
        return None
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    raise UnresolvedSecret("secret", value.env)
