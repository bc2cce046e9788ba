"""Ending a CLI process as soon as its work is done (`wbsetup validate`, `verify`).

The check runner gives up on a check at its timeout, but a blocking driver (boto3, PyMySQL) may still
sit in a socket call in a worker thread until its own timeout; a normal interpreter exit joins those
threads, which made `validate` end seconds after its report. `exit_now` ends the process once the
report is written: output flushed, atexit handlers run (temporary files), nothing else waited for.
Only the process entry point calls it (`app.cli.main()` without arguments), never a library caller.
"""

from __future__ import annotations

import atexit
import os
import sys
from typing import NoReturn


def exit_now(code: int) -> NoReturn:
    """Flush stdout and stderr, run the atexit handlers, then `os._exit(code)` (120 when stdout could
    not be written, as the interpreter does)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            if stream is sys.stdout and code == 0:
                code = 120
    atexit._run_exitfuncs()  # e.g. app.checks._s3's temporary CA directory, logging.shutdown
    os._exit(code)
