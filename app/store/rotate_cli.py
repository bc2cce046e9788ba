"""`wbsetup rotate-key`: re-encrypt every stored secret with a new key."""

from __future__ import annotations

import sys


def _fail(line: str) -> int:
    print(f"wbsetup: {line}", file=sys.stderr)
    return 2


def command(args) -> int:
    """Re-encrypt every stored secret with a freshly generated key, in one transaction.

    Key file (no WBSETUP_SECRET_KEY): the current key is first copied to secret.key.old, the new key
    is written to secret.key (0600, atomically) inside the transaction just before the commit, and
    secret.key.old is removed after the commit. A crash at any point leaves rows readable, because
    the store also decrypts with secret.key.old while it exists (a later run finishes the job).
    WBSETUP_SECRET_KEY: the new key is printed on stdout (only the key, one line) before the commit;
    set it in the environment of every wizard process. Stop running wizards first: they hold the
    old key and would refuse to decrypt the re-encrypted values (with a clear message)."""
    from cryptography.fernet import Fernet

    from app.settings import Settings
    from app.store import Store
    from app.store.crypto import KEY_FILE, OLD_KEY_FILE, write_key_file

    settings = Settings.from_env()
    store = Store.open(settings)
    new_key = Fernet.generate_key()
    if settings.secret_key:

        def show_key():
            print(new_key.decode(), flush=True)

        try:
            count = store.rotate_key(new_key, before_commit=show_key)
        except Exception:
            return _fail("rotation failed; nothing changed: keep using the current WBSETUP_SECRET_KEY")
        print(
            f"wbsetup: re-encrypted {count} secret values; set WBSETUP_SECRET_KEY to the key printed "
            "above (the old key no longer decrypts them)",
            file=sys.stderr,
        )
        return 0
    key_path, old_path = settings.data_dir / KEY_FILE, settings.data_dir / OLD_KEY_FILE
    if old_path.exists():  # an earlier rotation was interrupted: finish it under the current key first
        store.rotate_key(store.box.key)
        old_path.unlink()
    current = store.box.key
    write_key_file(old_path, current)
    try:
        count = store.rotate_key(new_key, before_commit=lambda: write_key_file(key_path, new_key))
    except Exception:
        write_key_file(key_path, current)
        old_path.unlink(missing_ok=True)
        return _fail(f"rotation failed; nothing changed: {key_path} still holds the current key")
    old_path.unlink()
    print(f"re-encrypted {count} secret values with a new key in {key_path}")
    return 0
