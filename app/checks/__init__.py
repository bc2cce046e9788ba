"""Checks, one module per step. A step's modules are imported (which registers their checks) the first
time its checks are asked for (`engine.checks_for`), so `validate --step hardware` never loads the
MySQL, S3 or Kubernetes clients; `load()` registers every step. `engine` and `report` hold no checks
(the web's run service is app/web/runs.py)."""

import importlib

STEP_MODULES = {
    "hardware": ("hardware",),
    "database": ("database",),
    "object_store": ("object_store",),
    "tls": ("tls",),
    "deploy": ("deploy", "deploy_cluster", "deploy_nodes", "deploy_images"),
    "verify": ("verify",),
    "upgrade": ("upgrade",),
}


def load(steps=None) -> None:
    """Register the checks of `steps` (every step by default, modules in name order)."""
    if steps is None:
        mods = sorted(m for ms in STEP_MODULES.values() for m in ms)
    else:
        mods = [m for step in steps for m in STEP_MODULES.get(step, ())]
    for mod in mods:
        importlib.import_module(f"{__name__}.{mod}")
