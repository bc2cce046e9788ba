"""Encryption of secrets at rest (Fernet), with the key from WBSETUP_SECRET_KEY or a 0600 key file."""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

KEY_FILE = "secret.key"
OLD_KEY_FILE = "secret.key.old"  # exists only while (or if interrupted while) `rotate-key` runs


class KeyError_(RuntimeError):
    """The configured key cannot decrypt the stored secrets (or is malformed)."""


WRONG_KEY = (
    "the secret key cannot decrypt the stored secrets: WBSETUP_SECRET_KEY (or the key file) differs "
    "from the key they were saved with; set that key (after `wbsetup rotate-key` with "
    "WBSETUP_SECRET_KEY set, the key the command printed)"
)


def load_or_create_key(secret_key: str | None, data_dir: Path) -> bytes:
    """The Fernet key: WBSETUP_SECRET_KEY if set, else data_dir/secret.key (created 0600)."""
    if secret_key:
        key = secret_key.strip().encode()
        _validate(key, "WBSETUP_SECRET_KEY")
        return key
    path = Path(data_dir) / KEY_FILE
    if path.exists():
        key = path.read_bytes().strip()
        _validate(key, str(path))
        return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key + b"\n")
    return key


def old_keys(secret_key: str | None, data_dir: Path) -> tuple[bytes, ...]:
    """Decrypt-only keys: the previous key file left by an interrupted `rotate-key` (key-file mode).

    Rotation writes the new key file before committing the re-encrypted rows and removes
    secret.key.old after the commit; a crash in between leaves rows under either key, both readable."""
    path = Path(data_dir) / OLD_KEY_FILE
    if secret_key or not path.exists():
        return ()
    key = path.read_bytes().strip()
    _validate(key, str(path))
    return (key,)


def write_key_file(path: Path, key: bytes) -> None:
    """Write `key` to `path` atomically with mode 0600 (temp file, fsync, rename, fsync directory)."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key + b"\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _validate(key: bytes, where: str) -> None:
    try:
        Fernet(key)
    except (ValueError, TypeError):
        raise KeyError_(
            f"{where}: not a Fernet key (32 url-safe base64-encoded bytes; "
            "generate one with: python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())')"
        ) from None


class SecretBox:
    """Encrypts and decrypts secret field values. Extra keys decrypt only (key rotation)."""

    def __init__(self, key: bytes, *old_keys: bytes):
        self._key = key
        self.old_keys = old_keys
        self._fernet = MultiFernet([Fernet(key), *(Fernet(k) for k in old_keys)])

    @property
    def key(self) -> bytes:
        """The current key (new secrets are encrypted with it; the session cookie is signed from it)."""
        return self._key

    def encrypt(self, plain: str) -> str:
        return self._fernet.encrypt(plain.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, ValueError):
            raise KeyError_(WRONG_KEY) from None

    def digest(self, text: str) -> str:
        """A keyed digest (so a digest of answers with secrets reveals nothing offline)."""
        return hmac.new(self._key, text.encode("utf-8"), hashlib.sha256).hexdigest()
