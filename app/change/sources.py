"""The two sides of `wbsetup diff` (SPEC §3): an answers file, a bundle directory, a bundle archive
(.zip / .tar.gz) or a stored revision `PROFILE@REV` (`PROFILE`: its latest), each turned into a bundle
tree whose secrets are masked (app.change.mask), with the digests that tell whether each secret changed.
Nothing here resolves `{env: …}` references: a diff needs no secret from the environment."""

from __future__ import annotations

import os
import re
import tarfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from app.answers import Answers, AnswersError
from app.artifacts.manifest import MANIFEST
from app.change.mask import mask_text, safety_net

REVISION = re.compile(r"^([a-z0-9][a-z0-9-]{0,62})(?:@([0-9]{1,9}))?$")
MAX_FILE = 8 * 1024 * 1024  # bytes: a bundle file larger than this is not one wbsetup wrote
MAX_FILES = 2000


class SourceError(ValueError):
    """An input that cannot be read as a bundle (exit 2); the message names it and why."""


@dataclass
class Side:
    label: str
    files: dict[str, str | bytes]  # text (masked) or, for a file that is not UTF-8, its bytes
    prints: dict[str, set[str]] = field(default_factory=dict)


def load_side(spec: str, store_factory, key: bytes) -> Side:
    path = Path(spec)
    if path.is_dir():
        return _from_tree(spec, _read_dir(path), key)
    if path.is_file():
        name = path.name.lower()
        if name.endswith(".zip"):
            return _from_tree(spec, _read_zip(path), key)
        if name.endswith((".tar.gz", ".tgz")):
            return _from_tree(spec, _read_tar(path), key)
        from app import answers as answers_mod

        return from_answers(spec, answers_mod.load(spec), key)
    found = REVISION.fullmatch(spec)
    if found is None:
        raise SourceError(f"{spec}: no such file or directory, and not a stored revision PROFILE@REV")
    from app.store import NotFound

    try:
        answers, number = store_factory().get_revision(found[1], int(found[2]) if found[2] else None)
    except NotFound as exc:
        raise SourceError(f"{spec}: {exc.args[0]}") from None
    return from_answers(f"{found[1]}@{number}", answers, key)


def from_answers(label: str, answers: Answers, key: bytes) -> Side:
    from app.artifacts.bundle import build_bundle

    actual = build_bundle(answers, redact=False)
    template = build_bundle(answers, redact=True)
    return _masked(label, actual, template, key)


def _from_tree(label: str, tree: dict[str, bytes], key: bytes) -> Side:
    from app.answers import loads
    from app.artifacts.bundle import build_bundle

    template = None
    if "answers.yaml" in tree:
        try:
            template = build_bundle(loads(tree["answers.yaml"].decode("utf-8")), redact=True)
        except (AnswersError, UnicodeDecodeError):
            template = None  # a hand-edited answers.yaml: only the safety net masks secrets
    return _masked(label, tree, template, key)


def _masked(label: str, tree: dict[str, bytes], template: dict[str, bytes] | None, key: bytes) -> Side:
    side = Side(label, {})
    for path, data in tree.items():
        if path == MANIFEST:
            continue
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            side.files[path] = data
            continue
        t = template.get(path) if template is not None else None
        masked = mask_text(text, t.decode("utf-8") if t is not None else None, key)
        side.files[path] = safety_net(masked.text)  # on every file alike, so it adds no difference
        for name, prints in masked.prints.items():
            side.prints.setdefault(name, set()).update(prints)
    return side


def _check(path: str, size: int, count: int) -> None:
    if size > MAX_FILE:
        raise SourceError(f"{path}: larger than {MAX_FILE // (1024 * 1024)} MiB, not a bundle file")
    if count > MAX_FILES:
        raise SourceError(f"more than {MAX_FILES} files: not a bundle")


def _read_dir(root: Path) -> dict[str, bytes]:
    tree: dict[str, bytes] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != ".git")
        for name in filenames:
            full = Path(dirpath) / name
            if full.is_symlink() or not full.is_file() or name.startswith(".") and name.endswith(".tmp"):
                continue
            rel = full.relative_to(root).as_posix()
            _check(rel, full.stat().st_size, len(tree))
            tree[rel] = full.read_bytes()
    return tree


def _read_zip(path: Path) -> dict[str, bytes]:
    try:
        with zipfile.ZipFile(path) as zf:
            tree: dict[str, bytes] = {}
            for info in zf.infolist():
                if info.is_dir():
                    continue
                _check(info.filename, info.file_size, len(tree))
                tree[info.filename] = zf.read(info)
            return tree
    except (zipfile.BadZipFile, OSError) as exc:
        raise SourceError(f"{path}: not a readable zip archive ({exc})") from None


def _read_tar(path: Path) -> dict[str, bytes]:
    try:
        with tarfile.open(path, "r:gz") as tf:
            tree: dict[str, bytes] = {}
            for member in tf.getmembers():
                if not member.isfile():
                    continue
                _check(member.name, member.size, len(tree))
                fh = tf.extractfile(member)
                tree[member.name.removeprefix("./")] = fh.read() if fh is not None else b""
            return tree
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise SourceError(f"{path}: not a readable .tar.gz archive ({exc})") from None
