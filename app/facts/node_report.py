"""The verdict on one node report (app/probe/reports.py holds its shape): whether the node shows a
problem W&B would hit. A fact shared below the probe: the store keeps it in `NodeReport.ok` (written
with each report, and by migration 0002 for the rows before it) and the deploy page reads it."""

from __future__ import annotations


def node_ok(report: dict) -> bool:
    """A node report shows no problem W&B would hit (database, store and host reachable, store TLS
    usable)."""
    reach = report.get("reach", {})
    db_ok = report.get("role") != "app" or reach.get("database", {}).get("ok", False)
    store = reach.get("object_store", {})
    return bool(db_ok and store.get("ok") and store.get("tls") != "untrusted" and reach.get("host", {}).get("ok"))
