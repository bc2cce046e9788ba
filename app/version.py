"""The installed distribution's version: single-sourced from pyproject.toml through the package
metadata pip writes (`wbsetup --version`, the page footer, /healthz)."""

from __future__ import annotations

from functools import cache


@cache
def version() -> str:
    from importlib.metadata import PackageNotFoundError, version as dist_version

    try:
        return dist_version("wbsetup")
    except PackageNotFoundError:  # a source tree imported without installing it
        return "0+unknown"
