"""Checks, one module per step; importing this package registers them all. (`runs`, the web's run
service, is no check module: it is imported where it is used, so the CLI never loads the state store.)"""

import importlib
import pkgutil

for _mod in sorted(m.name for m in pkgutil.iter_modules(__path__)):
    if _mod not in ("engine", "report", "runs") and not _mod.startswith("_"):
        importlib.import_module(f"{__name__}.{_mod}")
