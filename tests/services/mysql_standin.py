"""A MySQL 8 **stand-in** (mysql-mimic) for version-specific paths (docs/architecture.md, "Tests").

No MySQL 8 server can be installed on these machines, so this Python implementation of the MySQL
wire protocol reports a chosen version (`8.4.3`, `5.7.44-log`, `8.0.mysql_aurora.3.05.2`, …) in
the handshake and `SELECT VERSION()`, answers the queries database.connect sends, and checks a
password. The server is the demo's (app/demo/mysql_standin.py), given each spec's version, variables
and grants. Everything MariaDB can exercise is tested on MariaDB, not here.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from app import requirements
from app.demo.mysql_standin import USER as STANDIN_USER, MysqlStandin, StandinState

STANDIN_PASSWORD = "standin-pass"

# What a W&B-tuned MySQL 8.4 answers to SHOW GLOBAL VARIABLES (the "current" profile's values).
TUNED_VARIABLES = {**requirements.tuned_variables(requirements.load("current")), "log_bin": "ON"}


@dataclass(frozen=True)
class StandinSpec:
    """What the stand-in pretends to be."""

    version: str
    aurora_version: str | None = None  # answer to SELECT aurora_version(); None: no such function
    variables: tuple = tuple(TUNED_VARIABLES.items())
    grants: tuple = (f"GRANT ALL PRIVILEGES ON `wandb_local`.* TO `{STANDIN_USER}`@`%`",)


class StandinFleet:
    """Stand-in servers (app/demo/mysql_standin.py, the demo's own: one implementation), one per
    spec, each on its own loopback port; started on demand."""

    def __init__(self):
        self._servers: dict[StandinSpec, MysqlStandin] = {}

    def port(self, spec: StandinSpec) -> int:
        if spec not in self._servers:
            server = MysqlStandin(
                StandinState(
                    password=STANDIN_PASSWORD,
                    version=spec.version,
                    variables=dict(spec.variables),
                    aurora_version=spec.aurora_version,
                    grants=spec.grants,
                )
            )
            server.start()
            self._servers[spec] = server
        return self._servers[spec].port

    def close(self) -> None:
        for server in self._servers.values():
            server.stop()


@pytest.fixture(scope="session")
def mysql_standin():
    """`mysql_standin.port(StandinSpec("8.4.3"))` → a loopback port of a MySQL 8 stand-in."""
    fleet = StandinFleet()
    try:
        yield fleet
    finally:
        fleet.close()
