"""The wizard itself, served for tests: an app factory on a temp state store, a logged-in TestClient,
and a real uvicorn server on a free loopback port (for Playwright)."""

from __future__ import annotations

import atexit
import os
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings
from app.store.db import make_engine, migrate
from tests.services.net import free_port, wait_port

TOKEN = "test-login-token-0123456789"


_template: list[Path] = []


def migrated_template() -> Path:
    """A SQLite state database migrated once per test run; each test copies it (a fresh Alembic
    upgrade costs ~0.1 s per test). test_store.py still migrates fresh databases."""
    if not _template:
        folder = Path(tempfile.mkdtemp(prefix="wbsetup-template-"))
        atexit.register(shutil.rmtree, folder, True)
        engine = make_engine(f"sqlite:///{folder}/state.db")
        migrate(engine)
        engine.dispose()  # the last connection checkpoints the WAL into state.db
        _template.append(folder / "state.db")
    return _template[0]


def make_settings(tmp_path, **kw) -> Settings:
    """Settings on a state store in `tmp_path`, starting from the migrated template."""
    db = Path(tmp_path) / "state.db"
    if not db.exists():
        shutil.copyfile(migrated_template(), db)
    return Settings(state_url=f"sqlite:///{db}", data_dir=tmp_path, **kw)


class Client(TestClient):
    """A logged-in TestClient that knows its CSRF token."""

    csrf: str = ""

    def login(self) -> Client:
        assert self.get(f"/login?token={TOKEN}", follow_redirects=False).status_code == 303
        self.csrf = re.search(r'X-CSRF-Token": "([0-9a-f]+)', self.get("/").text).group(1)
        return self

    def post_form(self, url: str, data: dict | None = None, **kw):
        return self.post(url, data={"csrf_token": self.csrf, **(data or {})}, **kw)

    def create(self, name: str) -> None:
        r = self.post_form("/profiles", {"name": name}, follow_redirects=False)
        assert r.status_code == 303, r.text


@pytest.fixture
def wizard_app(tmp_path):
    return create_app(make_settings(tmp_path, check_timeout=3.0), token=TOKEN)


@pytest.fixture
def client(wizard_app):
    with Client(wizard_app) as c:
        yield c.login()


class LiveServer:
    def __init__(self, app, port):
        self.app, self.port = app, port
        self.url = f"http://127.0.0.1:{port}"


@contextmanager
def serving(app) -> Iterator[LiveServer]:
    """`app` served by uvicorn on a free loopback port in a thread, stopped afterwards."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_port(port)
    try:
        yield LiveServer(app, port)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def live_server(tmp_path):
    with serving(create_app(make_settings(tmp_path, check_timeout=3.0), token=TOKEN)) as live:
        yield live


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory):
    """The wizard in demo mode against a running Demo (generous timeouts: the machine is shared):
    yields (url, demo)."""
    from app.demo import Demo, mount

    with Demo(timeout=5.0) as demo:
        app = create_app(make_settings(tmp_path_factory.mktemp("demo-web"), demo=True, check_timeout=5.0), token=TOKEN)
        mount(app, demo)
        with serving(app) as live:
            yield live.url, demo


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright drives Debian's Chromium (never a downloaded browser)."""
    return {
        **browser_type_launch_args,
        "executable_path": os.environ.get("CHROMIUM_PATH", "/usr/lib/chromium/chromium"),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


def wait_until(fn, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if fn():
            return True
        time.sleep(0.05)
    return False
