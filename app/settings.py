"""Process settings: the only module that reads os.environ for configuration.

Every command reads the same three variables (§2): WBSETUP_STATE_URL, WBSETUP_SECRET_KEY and
WBSETUP_TOKEN. Secret *references* in answers files ({env: VAR}) are resolved elsewhere, from an
explicit environment mapping handed to `Answers.resolve`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs


def default_data_dir() -> Path:
    return Path(os.environ.get("WBSETUP_DATA_DIR") or platformdirs.user_data_dir("wbsetup"))


@dataclass(frozen=True)
class Settings:
    state_url: str
    secret_key: str | None = None  # Fernet key; None → key file in data_dir
    token: str | None = None  # fixed login token for `serve`
    data_dir: Path = field(default_factory=default_data_dir)
    check_timeout: float = 5.0
    session_idle_seconds: int = 8 * 3600
    secure_cookies: bool = False  # force the Secure cookie flag (otherwise: when the request is HTTPS)
    trusted_proxies: tuple[str, ...] = ()  # peers whose X-Forwarded-Proto is believed
    demo: bool = False

    @classmethod
    def from_env(cls, **overrides) -> Settings:
        data_dir = default_data_dir()
        state_url = os.environ.get("WBSETUP_STATE_URL") or f"sqlite:///{data_dir / 'state.db'}"
        values: dict[str, Any] = dict(
            state_url=state_url,
            secret_key=os.environ.get("WBSETUP_SECRET_KEY") or None,
            token=os.environ.get("WBSETUP_TOKEN") or None,
            secure_cookies=os.environ.get("WBSETUP_SECURE_COOKIES", "") in ("1", "true", "yes"),
            trusted_proxies=tuple(
                p.strip() for p in os.environ.get("WBSETUP_TRUSTED_PROXIES", "").split(",") if p.strip()
            ),
            data_dir=data_dir,
        )
        values.update(overrides)
        return cls(**values)
