"""Where the package's own files are: templates, static files and migrations.

The repository keeps `templates/`, `static/` and `migrations/` at its top level (SPEC §1); the wheel
maps them into the installed package (`app/templates`, …; pyproject.toml, hatch force-include), so an
installed wbsetup finds them beside its code whatever the working directory. A source checkout (the
editable install of `make run` / `make test`) has them one level up, beside `app/`. Nothing here is
ever written to: what the program writes goes to the data directory (app/settings.py).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


@cache
def resource_dir(name: str) -> Path:
    """The directory `name` (templates, static, migrations) of the installed package or the checkout."""
    for candidate in (PACKAGE / name, PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"wbsetup is missing its {name}/ directory (looked in {PACKAGE} and beside it)")
