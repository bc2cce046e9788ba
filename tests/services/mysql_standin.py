"""A MySQL 8 **stand-in** (mysql-mimic) for version-specific paths (docs/architecture.md, "Tests").

No MySQL 8 server can be installed on these machines, so this Python implementation of the MySQL
wire protocol reports a chosen version (`8.4.3`, `5.7.44-log`, `8.0.mysql_aurora.3.05.2`, …) in
the handshake and `SELECT VERSION()`, answers the queries database.connect sends, and checks a
password. Everything MariaDB can exercise is tested on MariaDB, not here.
"""

from __future__ import annotations

import asyncio
import re
import threading
from dataclasses import dataclass, field

import pytest
from mysql_mimic import IdentityProvider, MysqlServer, NativePasswordAuthPlugin, Session, User
from mysql_mimic.errors import MysqlError

from app import requirements

STANDIN_USER, STANDIN_PASSWORD = "wandb_local", "standin-pass"

# What a W&B-tuned MySQL 8.4 answers to SHOW GLOBAL VARIABLES (the "current" profile's values).
TUNED_VARIABLES = {**requirements.tuned_variables(requirements.load("current")), "log_bin": "ON"}


@dataclass(frozen=True)
class StandinSpec:
    """What the stand-in pretends to be."""

    version: str
    aurora_version: str | None = None  # answer to SELECT aurora_version(); None: no such function
    variables: tuple = tuple(TUNED_VARIABLES.items())
    grants: tuple = (f"GRANT ALL PRIVILEGES ON `wandb_local`.* TO `{STANDIN_USER}`@`%`",)


class _Identity(IdentityProvider):
    def get_plugins(self):
        return [NativePasswordAuthPlugin()]

    async def get_user(self, username: str) -> User | None:
        if username != STANDIN_USER:
            return None
        return User(
            name=username,
            auth_string=NativePasswordAuthPlugin.create_auth_string(STANDIN_PASSWORD),
            auth_plugin=NativePasswordAuthPlugin.name,
        )


def _session_factory(spec: StandinSpec):
    variables = dict(spec.variables)

    class StandinSession(Session):
        def __init__(self):
            super().__init__()
            self.variables.set("version", spec.version, force=True)

        async def handle_query(self, sql: str, attrs):
            text = " ".join(sql.split())
            if re.fullmatch(r"SELECT VERSION\(\)", text, re.I):
                return [(spec.version,)], ["VERSION()"]
            m = re.fullmatch(r"SHOW GLOBAL VARIABLES WHERE Variable_name IN \((.*)\)", text, re.I)
            if m:
                names = [n.strip().strip("'") for n in m.group(1).split(",")]
                return [(n, variables[n]) for n in names if n in variables], ["Variable_name", "Value"]
            if re.fullmatch(r"SELECT aurora_version\(\)", text, re.I):
                if spec.aurora_version is None:
                    raise MysqlError("FUNCTION aurora_version does not exist", code=1305)
                return [(spec.aurora_version,)], ["aurora_version()"]
            if re.fullmatch(r"SELECT CURRENT_USER\(\)", text, re.I):
                return [(f"{STANDIN_USER}@%",)], ["CURRENT_USER()"]
            if re.fullmatch(r"SHOW GRANTS FOR CURRENT_USER\(\)", text, re.I):
                return [(g,) for g in spec.grants], [f"Grants for {STANDIN_USER}@%"]
            return await super().handle_query(sql, attrs)

    return StandinSession


@dataclass
class _Running:
    loop: asyncio.AbstractEventLoop
    thread: threading.Thread
    servers: list = field(default_factory=list)


class StandinFleet:
    """Stand-in servers, one per spec, on one background event loop; started on demand."""

    def __init__(self):
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, daemon=True, name="mysql-standin")
        thread.start()
        self._run = _Running(loop, thread)
        self._ports: dict[StandinSpec, int] = {}

    def port(self, spec: StandinSpec) -> int:
        if spec not in self._ports:

            async def start() -> int:
                server = MysqlServer(session_factory=_session_factory(spec), identity_provider=_Identity())
                await server.start_server(host="127.0.0.1", port=0)
                self._run.servers.append(server)
                return server.sockets()[0].getsockname()[1]

            self._ports[spec] = asyncio.run_coroutine_threadsafe(start(), self._run.loop).result(timeout=10)
        return self._ports[spec]

    def close(self) -> None:
        async def stop():
            for s in self._run.servers:
                s.close()
                await s.wait_closed()

        asyncio.run_coroutine_threadsafe(stop(), self._run.loop).result(timeout=10)
        self._run.loop.call_soon_threadsafe(self._run.loop.stop)
        self._run.thread.join(timeout=10)


@pytest.fixture(scope="session")
def mysql_standin():
    """`mysql_standin.port(StandinSpec("8.4.3"))` → a loopback port of a MySQL 8 stand-in."""
    fleet = StandinFleet()
    try:
        yield fleet
    finally:
        fleet.close()
