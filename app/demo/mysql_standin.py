"""The demo's MySQL 8.4 **stand-in**: mysql-mimic speaking the MySQL wire protocol on loopback.

No MySQL server ships with wbsetup, so the demo pretends: the handshake and `SELECT VERSION()` say
8.4.3, `SHOW GLOBAL VARIABLES` answers W&B's recommended parameters, the application user holds ALL
PRIVILEGES on its database, and the few statements the database checks send (charset lookup,
grants, a scratch table's CREATE / INSERT / SELECT / DROP, `SELECT 1`) get plausible answers from a
tiny in-memory table store. It is a stand-in for a demo, not a database.

The state is live: fault toggles change `StandinState` and the next connection / query sees it.
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
from dataclasses import dataclass, field

from mysql_mimic import IdentityProvider, MysqlServer, NativePasswordAuthPlugin, Session, User
from mysql_mimic.errors import MysqlError

from app import requirements

VERSION = "8.4.3"
DATABASE = "wandb_local"
USER = "wandb_local"

# W&B's parameters (the "current" profile's values), as a tuned MySQL 8.4 reports them.
TUNED_VARIABLES = {
    **requirements.tuned_variables(requirements.load("current")),
    "log_bin": "ON",
    "character_set_server": "utf8mb4",
    "collation_server": "utf8mb4_general_ci",
    "default_authentication_plugin": "mysql_native_password",
}

_IDENT = r"`?([A-Za-z0-9_]+)`?"
_QUERIES = {  # statement shape → handler name; whitespace is normalised first
    r"SELECT (?:VERSION\(\)|@@version)": "_version",
    r"SHOW GLOBAL VARIABLES WHERE Variable_name IN \((.*)\)": "_variables",
    r"SELECT aurora_version\(\)": "_aurora",
    r"SELECT CURRENT_USER\(\)": "_current_user",
    r"SHOW GRANTS FOR CURRENT_USER\(\)": "_grants",
    r"SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME FROM information_schema\.SCHEMATA "
    r"WHERE SCHEMA_NAME = '([^']*)'": "_schemata",
    r"SELECT 1": "_one",
    rf"CREATE TABLE {_IDENT} \(.*": "_create",
    rf"INSERT INTO {_IDENT} \(id, v\) VALUES \((\d+), '([^']*)'\)": "_insert",
    rf"SELECT v FROM {_IDENT} WHERE id = (\d+)": "_select",
    rf"DROP TABLE (?:IF EXISTS )?{_IDENT}": "_drop",
}


@dataclass
class StandinState:
    """What the stand-in pretends to be right now (changed live by the fault toggles)."""

    password: str
    version: str = VERSION
    variables: dict = field(default_factory=lambda: dict(TUNED_VARIABLES))
    delay: float = 0.0  # seconds added to every data statement ("slow database")
    aurora_version: str | None = None  # answer to SELECT aurora_version(); None: no such function
    grants: tuple[str, ...] = (
        f"GRANT USAGE ON *.* TO `{USER}`@`%`",
        f"GRANT ALL PRIVILEGES ON `{DATABASE}`.* TO `{USER}`@`%`",
    )
    tables: dict = field(default_factory=dict)  # scratch tables: name → {id: v}


class _Identity(IdentityProvider):
    def __init__(self, state: StandinState):
        self.state = state

    def get_plugins(self):
        return [NativePasswordAuthPlugin()]

    async def get_user(self, username: str) -> User | None:
        if username != USER:
            return None
        return User(
            name=username,
            auth_string=NativePasswordAuthPlugin.create_auth_string(self.state.password),
            auth_plugin=NativePasswordAuthPlugin.name,
        )


def _session_factory(state: StandinState):
    class DemoSession(Session):
        def __init__(self):
            super().__init__()
            self.variables.set("version", state.version, force=True)  # the handshake's version

        async def handle_query(self, sql: str, attrs):
            text = " ".join(sql.split()).rstrip(";")
            if state.delay and not text.upper().startswith("SET "):
                # An overloaded server: every statement that reads or writes data queues; the
                # session setup PyMySQL sends on connect (SET NAMES, SET AUTOCOMMIT) does not.
                await asyncio.sleep(state.delay)
            for pattern, name in _QUERIES.items():
                m = re.fullmatch(pattern, text, re.I | re.S)
                if m:
                    return getattr(self, name)(*m.groups())
            return await super().handle_query(sql, attrs)

        def _version(self):
            return [(state.version,)], ["VERSION()"]

        def _variables(self, names: str):
            wanted = [n.strip().strip("'") for n in names.split(",")]
            return [(n, state.variables[n]) for n in wanted if n in state.variables], ["Variable_name", "Value"]

        def _aurora(self):
            if state.aurora_version is None:
                raise MysqlError("FUNCTION aurora_version does not exist", code=1305)
            return [(state.aurora_version,)], ["aurora_version()"]

        def _current_user(self):
            return [(f"{USER}@%",)], ["CURRENT_USER()"]

        def _grants(self):
            return [(g,) for g in state.grants], [f"Grants for {USER}@%"]

        def _schemata(self, name: str):
            rows = [("utf8mb4", "utf8mb4_general_ci")] if name == DATABASE else []
            return rows, ["DEFAULT_CHARACTER_SET_NAME", "DEFAULT_COLLATION_NAME"]

        def _one(self):
            return [(1,)], ["1"]

        def _create(self, table: str):
            if table in state.tables:
                raise MysqlError(f"Table '{table}' already exists", code=1050)
            state.tables[table] = {}
            return [], []

        def _insert(self, table: str, key: str, value: str):
            self._table(table)[int(key)] = value
            return [], []

        def _select(self, table: str, key: str):
            row = self._table(table).get(int(key))
            return ([(row,)] if row is not None else []), ["v"]

        def _drop(self, table: str):
            state.tables.pop(table, None)
            return [], []

        def _table(self, table: str) -> dict:
            if table not in state.tables:
                raise MysqlError(f"Table '{DATABASE}.{table}' doesn't exist", code=1146)
            return state.tables[table]

    return DemoSession


def _not_client_error(record: logging.LogRecord) -> bool:
    """mysql-mimic logs every error it returns to a client (e.g. aurora_version() does not exist,
    which database.connect asks on purpose); keep only the server's own failures."""
    return not isinstance(record.msg, MysqlError)


class MysqlStandin:
    """The stand-in server on its own event loop thread, bound to 127.0.0.1."""

    def __init__(self, state: StandinState):
        self.state = state
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True, name="demo-mysql")
        self._server: MysqlServer | None = None

    def start(self) -> int:
        """Start listening on a free loopback port; returns it."""
        logger = logging.getLogger("mysql_mimic.connection")
        if _not_client_error not in logger.filters:
            logger.addFilter(_not_client_error)
        self._thread.start()

        async def start() -> int:
            self._server = MysqlServer(
                session_factory=_session_factory(self.state), identity_provider=_Identity(self.state)
            )
            await self._server.start_server(host="127.0.0.1", port=0)
            return self._server.sockets()[0].getsockname()[1]

        self.port = asyncio.run_coroutine_threadsafe(start(), self._loop).result(timeout=10)
        return self.port

    def stop(self) -> None:
        """Close the listener and open connections, stop the loop, join its thread."""
        if not self._thread.is_alive():
            return

        async def stop():
            if self._server is not None:
                self._server.close()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for t in tasks:  # connection handlers of clients still connected (or sleeping: slow mode)
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            if self._server is not None:
                await asyncio.wait_for(self._server.wait_closed(), 5)

        try:
            asyncio.run_coroutine_threadsafe(stop(), self._loop).result(timeout=10)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
            self._loop.close()
