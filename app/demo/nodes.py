"""The demo's node reports: two application nodes and a training machine, as `wbsetup probe --node`
would report them from machines on the demo's network (SPEC §4.5 node report, contract shape).

They are made from the demo's answers (the same targets the probe measures: app.probe.reports.targets)
and validated like every uploaded report. The fault "a node cannot reach MySQL" makes app-2 report the
database connection timing out, as a firewall dropping TCP 3306 from that node would.
"""

from __future__ import annotations

from datetime import UTC, datetime

from app.answers import Answers
from app.probe.reports import targets, validate_report

NODES = (("app-1", "app", "10.0.0.11"), ("app-2", "app", "10.0.0.12"), ("train-1", "client", "10.0.1.21"))
UNREACHABLE = "app-2"  # the node the "a node cannot reach MySQL" fault cuts off


def _hardware(role: str) -> dict:
    if role == "client":  # a training machine: more cores and memory than W&B itself needs
        return {
            "arch": "x86_64",
            "cpu_cores": 32,
            "memory_gib": 251.6,
            "disk_gb": 1800,
            "disk_mbps": 6400,
            "nics": 2,
            "nic_gbps": 25,
        }
    return {
        "arch": "x86_64",
        "cpu_cores": 8,
        "memory_gib": 31.3,
        "disk_gb": 200,
        "disk_mbps": 5210,
        "nics": 2,
        "nic_gbps": 10,
    }


def reports(answers: Answers, *, database_cut: bool = False) -> list[dict]:
    """The three node reports for the demo profile's current answers."""
    from urllib.parse import urlsplit

    where = targets(answers)
    db, store = where["database"], urlsplit(where["object_store"]["endpoint"])
    store_port = store.port or (443 if store.scheme == "https" else 80)
    host = urlsplit(where["host"]).hostname
    now = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    tls = "none" if str(answers.object_store.endpoint or "").startswith("http://") else "private-ca"
    out = []
    for i, (name, role, _address) in enumerate(NODES):
        cut = database_cut and name == UNREACHABLE
        database = {
            "target": f"{db['host']}:{db['port']}",
            "ok": not cut,
            "ms": None if cut else round(0.6 + 0.1 * i, 1),
            "error": "timed out after 3 s" if cut else None,
        }
        doc = {
            "schema": 1,
            "kind": "node-report",
            "profile": answers.profile,
            "node": name,
            "role": role,
            "measured_at": now,
            "hardware": _hardware(role),
            "reach": {
                "database": database,
                "object_store": {
                    "target": f"{store.hostname}:{store_port}",
                    "ok": True,
                    "ms": round(0.8 + 0.1 * i, 1),
                    "error": None,
                    "tls": tls,
                },
                "host": {"target": host, "ok": True, "addresses": ["127.0.0.1"], "error": None},
            },
            "docker": {"engine": "27.3.1", "compose": "2.29.7"} if role == "app" else {"engine": None, "compose": None},
            "ports_in_use": [22, 9100],
        }
        out.append(validate_report(doc, answers.profile))
    return out
