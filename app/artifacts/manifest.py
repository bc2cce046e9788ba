"""MANIFEST.sha256 and deterministic archives: the same tree gives the same bytes, always.

zip: entries sorted, timestamps 1980-01-01 00:00 (the zip epoch), Unix permissions fixed.
tar.gz: entries sorted, mtime 0, uid/gid 0 with empty owner names, gzip header mtime 0 and no name.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import tarfile
import zipfile
from collections.abc import Callable, Mapping

MANIFEST = "MANIFEST.sha256"
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def manifest(files: Mapping[str, bytes]) -> bytes:
    """`sha256sum -c` lines ("<hex>  <path>") for every file but the manifest, sorted by path."""
    lines = [
        f"{hashlib.sha256(data).hexdigest()}  {path}\n" for path, data in sorted(files.items()) if path != MANIFEST
    ]
    return "".join(lines).encode()


def zip_bytes(files: Mapping[str, bytes], mode: Callable[[str], int] = lambda p: 0o644) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(files):
            info = zipfile.ZipInfo(path, date_time=ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, so external_attr holds permissions
            info.external_attr = (0o100000 | mode(path)) << 16
            zf.writestr(info, files[path])
    return buf.getvalue()


def targz_bytes(files: Mapping[str, bytes], mode: Callable[[str], int] = lambda p: 0o644, level: int = 9) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tf:
        for path in sorted(files):
            info = tarfile.TarInfo(path)
            info.size = len(files[path])
            info.mtime = 0
            info.mode = mode(path)
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            tf.addfile(info, io.BytesIO(files[path]))
    out = io.BytesIO()
    with gzip.GzipFile(filename="", fileobj=out, mode="wb", mtime=0, compresslevel=level) as gz:
        gz.write(raw.getvalue())
    return out.getvalue()


ARCHIVERS = {"zip": zip_bytes, "tar.gz": targz_bytes}
