"""Shared fixtures. Real services (MariaDB, SeaweedFS, HTTPS servers, the Kubernetes API stand-in)
live in tests/services/, one module each, registered here as plugins."""

from __future__ import annotations

from pathlib import Path

pytest_plugins = sorted(
    f"tests.services.{p.stem}" for p in (Path(__file__).parent / "services").glob("*.py") if p.stem != "__init__"
)
