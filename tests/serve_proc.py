"""`wbsetup serve` as a real subprocess for the security and durability tests (not a plugin module:
imported explicitly). Login over HTTP with the fixed WBSETUP_TOKEN; CSRF token scraped from a page."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx

from tests.services.net import free_port, wait_port

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "proc-login-token-0123456789"


class ServeProc:
    def __init__(
        self, data_dir: Path, *, state_url: str | None = None, secret_key: str | None = None, log: Path | None = None
    ):
        self.data_dir, self.port = Path(data_dir), free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "PYTHONPATH": str(ROOT), "WBSETUP_DATA_DIR": str(data_dir), "WBSETUP_TOKEN": TOKEN}
        if state_url:
            self.env["WBSETUP_STATE_URL"] = state_url
        if secret_key:
            self.env["WBSETUP_SECRET_KEY"] = secret_key
        self.log = log or self.data_dir / f"serve-{self.port}.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> "ServeProc":
        with open(self.log, "ab") as fh:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "app", "serve", "--port", str(self.port)],
                cwd=ROOT,
                env=self.env,
                stdout=fh,
                stderr=subprocess.STDOUT,
            )
        try:
            wait_port(self.port, timeout=30)
        except TimeoutError:
            self.stop()
            raise RuntimeError(self.log.read_text(errors="replace")) from None
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)

    def kill9(self) -> None:
        self.proc.kill()  # SIGKILL
        self.proc.wait(timeout=5)

    def client(self) -> "LoggedIn":
        c = LoggedIn(base_url=self.url, timeout=10)
        r = c.get(f"/login?token={TOKEN}")
        assert r.status_code == 303, r.text
        c.csrf = re.search(r'X-CSRF-Token": "([0-9a-f]+)', c.get("/").text).group(1)
        return c


class LoggedIn(httpx.Client):
    csrf = ""

    def post_form(self, url: str, data: dict | None = None):
        return self.post(url, data={"csrf_token": self.csrf, **(data or {})})
