"""Actions: things the wizard does to the infrastructure on an explicit click (never `validate`).

Each action shows what it will do first and returns an ActionResult.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.i18n.message import Text


@dataclass
class ActionResult:
    """The outcome of an action: `message` is one line for people; `statements` what ran (secrets
    masked); `detail` the service's answer."""

    ok: bool
    message: Text
    statements: list[str] = field(default_factory=list)
    detail: str = ""
