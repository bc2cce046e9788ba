"""Checks, one module per step; importing this package registers them all."""

from app.checks import hardware  # noqa: F401
