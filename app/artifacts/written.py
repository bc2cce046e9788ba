"""What `wbsetup render` tells the operator it wrote: the files, the target, redacted or not, and what to
run next (the bundle's runbook)."""

from __future__ import annotations

import tarfile
import zipfile
from pathlib import Path

from app.artifacts.manifest import MANIFEST


def bundle_files(path: Path) -> list[str]:
    """The bundle's files at `path` (a rendered directory, or a .zip / .tar.gz archive), sorted."""
    if path.is_dir():
        listed = (path / MANIFEST).read_text(encoding="utf-8").splitlines()
        return sorted([line.split("  ", 1)[1] for line in listed if "  " in line] + [MANIFEST])
    if path.name.endswith(".zip"):
        with zipfile.ZipFile(path) as zf:
            return sorted(n for n in zf.namelist() if not n.endswith("/"))
    with tarfile.open(path, "r:gz") as tf:
        return sorted(m.name for m in tf.getmembers() if m.isfile())


def summary(path: Path, *, target: str, redact: bool) -> str:
    files = bundle_files(path)
    secrets = (
        "redacted: every secret is a named placeholder the runbook lists"
        if redact
        else "with secrets: keep it private (0600 files)"
    )
    if path.is_dir():
        head = f"wrote {len(files)} files to {path} (target {target}, {secrets}):"
        after = f"next: follow the runbook, {path / 'README.md'}"
    else:
        head = f"wrote {path}, an archive of {len(files)} files (target {target}, {secrets}):"
        after = "next: unpack it and follow the runbook inside, README.md"
    if redact:
        after += " (export the variables it lists first)"
    return "\n".join([head, *(f"  {name}" for name in files), after]) + "\n"
