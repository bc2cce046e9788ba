"""The demo's fault toggles, as data: what each one breaks and which check should catch it.

Every fault changes the simulated infrastructure live (the stand-ins' state), except the expired
certificate: `tls.expiry` judges the certificate the administrator pasted, so that fault also puts
the expired certificate into the demo profile, as if the operator had pasted the one now deployed.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.demo.mysql_standin import TUNED_VARIABLES


@dataclass(frozen=True)
class Fault:
    id: str
    title: str
    what: str  # what the toggle does to the simulated infrastructure
    catches: str  # the check id that turns red
    step: str


FAULTS: tuple[Fault, ...] = (
    Fault("sort_buffer", "Sort buffer too small", "MySQL reports sort_buffer_size = 262144 (the MySQL default)",
          "database.sort_buffer_size", "database"),
    Fault("mysql_8027", "MySQL 8.0.27", "MySQL presents itself as 8.0.27 (handshake and VERSION())",
          "database.version", "database"),
    Fault("no_cors", "Bucket without CORS", "The bucket's CORS rule is deleted: browsers cannot upload",
          "object_store.cors", "object_store"),
    Fault("wrong_secret", "Wrong secret key", "The store rotated the demo key's secret: the profile's no longer signs",
          "object_store.credentials", "object_store"),
    Fault("expired_cert", "Expired certificate",
          "The W&B host serves an expired certificate, and the profile holds that certificate", "tls.expiry", "tls"),
    Fault("slow_db", "Slow database", "Every MySQL statement takes about a fifth of the check timeout: results "
          "stream in slowly and the multi-statement checks (write, latency) time out", "database.latency", "database"),
)
BY_ID = {f.id: f for f in FAULTS}
SMALL_SORT_BUFFER = "262144"
OLD_VERSION = "8.0.27"
SLOW_FRACTION = 0.22  # of the check timeout per statement: connect (3 statements) fits, latency (5) does not


def apply(demo, fault_id: str, on: bool) -> None:
    """Turn fault `fault_id` on or off in the running `demo` (app.demo.Demo)."""
    if fault_id not in BY_ID:
        raise KeyError(fault_id)
    mysql = demo.mysql_state
    if fault_id == "sort_buffer":
        mysql.variables["sort_buffer_size"] = SMALL_SORT_BUFFER if on else TUNED_VARIABLES["sort_buffer_size"]
    elif fault_id == "mysql_8027":
        mysql.version = OLD_VERSION if on else demo.version
    elif fault_id == "no_cors":
        demo.s3.set_cors(not on)
    elif fault_id == "wrong_secret":
        demo.s3.set_rotated(on)
    elif fault_id == "expired_cert":
        demo.set_certificate(expired=on)
    elif fault_id == "slow_db":
        mysql.delay = demo.timeout * SLOW_FRACTION if on else 0.0
    demo.active[fault_id] = on
