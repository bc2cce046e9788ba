"""The demo's fault toggles, as data: what each one breaks and which check should catch it.

Every fault changes the simulated infrastructure live (the stand-ins' state), except the expired
certificate: `tls.expiry` judges the certificate the administrator pasted, so that fault also puts
the expired certificate into the demo profile, as if the operator had pasted the one now deployed.
"A node cannot reach MySQL" replaces the demo profile's node reports with ones where app-2 timed out,
as a re-run of the probe on that node would report.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.demo.mysql_standin import TUNED_VARIABLES
from app.demo.wandb_front import LIMIT_1MIB


@dataclass(frozen=True)
class Fault:
    id: str
    title: str
    what: str  # what the toggle does to the simulated infrastructure
    catches: str  # the check id that turns red
    step: str
    turn: Callable[[Any, bool], None]  # (the running demo, on) → the change made to its stand-ins


SMALL_SORT_BUFFER = "262144"
OLD_VERSION = "8.0.27"
SLOW_FRACTION = 0.22  # of the check timeout per statement: connect (3 statements) fits, latency (5) does not


def _sort_buffer(demo, on: bool) -> None:
    demo.mysql_state.variables["sort_buffer_size"] = SMALL_SORT_BUFFER if on else TUNED_VARIABLES["sort_buffer_size"]


def _old_mysql(demo, on: bool) -> None:
    demo.mysql_state.version = OLD_VERSION if on else demo.version


def _slow_db(demo, on: bool) -> None:
    demo.mysql_state.delay = demo.timeout * SLOW_FRACTION if on else 0.0


FAULTS: tuple[Fault, ...] = (
    Fault(
        "sort_buffer",
        "Sort buffer too small",
        "MySQL reports sort_buffer_size = 262144 (the MySQL default)",
        "database.sort_buffer_size",
        "database",
        _sort_buffer,
    ),
    Fault(
        "mysql_8027",
        "MySQL 8.0.27",
        "MySQL presents itself as 8.0.27 (handshake and VERSION())",
        "database.version",
        "database",
        _old_mysql,
    ),
    Fault(
        "no_cors",
        "Bucket without CORS",
        "The bucket's CORS rule is deleted: browsers cannot upload",
        "object_store.cors",
        "object_store",
        lambda demo, on: demo.s3.set_cors(not on),
    ),
    Fault(
        "wrong_secret",
        "Wrong secret key",
        "The store rotated the demo key's secret: the profile's no longer signs",
        "object_store.credentials",
        "object_store",
        lambda demo, on: demo.s3.set_rotated(on),
    ),
    Fault(
        "expired_cert",
        "Expired certificate",
        "The W&B host serves an expired certificate, and the profile holds that certificate",
        "tls.expiry",
        "tls",
        lambda demo, on: demo.set_certificate(expired=on),
    ),
    Fault(
        "slow_db",
        "Slow database",
        "Every MySQL statement takes about a fifth of the check timeout: results "
        "stream in slowly and the multi-statement checks (write, latency) time out",
        "database.latency",
        "database",
        _slow_db,
    ),
    Fault(
        "no_ingress_class",
        "IngressClass missing",
        "The cluster has no IngressClass nginx (only traefik)",
        "deploy.cluster.ingress_class",
        "deploy",
        lambda demo, on: demo.cluster.set_ingress_class(not on),
    ),
    Fault(
        "no_operator",
        "Operator not installed",
        "The W&B operator's CRD weightsandbiases.apps.wandb.com is gone",
        "deploy.cluster.operator",
        "deploy",
        lambda demo, on: demo.cluster.set_operator(not on),
    ),
    Fault(
        "registry_refuses",
        "Registry refuses the credentials",
        "The private registry rotated the demo puller's password: its token service refuses the profile's",
        "deploy.images",
        "deploy",
        lambda demo, on: demo.registry.set_refuse(on),
    ),
    Fault(
        "node_no_mysql",
        "A node cannot reach MySQL",
        "Node app-2 reports that its connection to MySQL timed out",
        "deploy.node.database",
        "deploy",
        lambda demo, on: demo.set_node_reports(database_cut=on),
    ),
    Fault(
        "proxy_body_1m",
        "Proxy limits bodies to 1 MiB",
        "The proxy in front of W&B refuses bodies over 1 MiB (nginx client_max_body_size 1m) with 413",
        "verify.proxy_body",
        "verify",
        lambda demo, on: demo.https.set_body_limit(LIMIT_1MIB if on else None),
    ),
    Fault(
        "image_pull",
        "Image not pullable",
        "W&B's app pod cannot pull its image (ImagePullBackOff)",
        "verify.rollout",
        "verify",
        lambda demo, on: demo.cluster.set_image_pull(on),
    ),
)
BY_ID = {f.id: f for f in FAULTS}


def apply(demo, fault_id: str, on: bool) -> None:
    """Turn fault `fault_id` on or off in the running `demo` (app.demo.Demo)."""
    BY_ID[fault_id].turn(demo, on)  # KeyError for an unknown id
    demo.active[fault_id] = on
