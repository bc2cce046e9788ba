"""Checks, one module per step; importing this package registers them all."""

import importlib
import pkgutil

for _mod in sorted(m.name for m in pkgutil.iter_modules(__path__)):
    if _mod not in ("engine", "report") and not _mod.startswith("_"):
        importlib.import_module(f"{__name__}.{_mod}")
