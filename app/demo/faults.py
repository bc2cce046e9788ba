"""The demo's fault toggles, as data: what each one breaks and which check should catch it.

Every fault changes the simulated infrastructure live (the stand-ins' state), except the expired
certificate: `tls.expiry` judges the certificate the administrator pasted, so that fault also puts
the expired certificate into the demo profile, as if the operator had pasted the one now deployed.
"A node cannot reach MySQL" replaces the demo profile's node reports with ones where app-2 timed out,
as a re-run of the probe on that node would report.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.demo.mysql_standin import TUNED_VARIABLES
from app.demo.wandb_front import LIMIT_1MIB


@dataclass(frozen=True)
class Fault:
    id: str
    title: str
    what: str  # what the toggle does to the simulated infrastructure
    catches: str  # the check id that turns red
    step: str


FAULTS: tuple[Fault, ...] = (
    Fault(
        "sort_buffer",
        "Sort buffer too small",
        "MySQL reports sort_buffer_size = 262144 (the MySQL default)",
        "database.sort_buffer_size",
        "database",
    ),
    Fault(
        "mysql_8027",
        "MySQL 8.0.27",
        "MySQL presents itself as 8.0.27 (handshake and VERSION())",
        "database.version",
        "database",
    ),
    Fault(
        "no_cors",
        "Bucket without CORS",
        "The bucket's CORS rule is deleted: browsers cannot upload",
        "object_store.cors",
        "object_store",
    ),
    Fault(
        "wrong_secret",
        "Wrong secret key",
        "The store rotated the demo key's secret: the profile's no longer signs",
        "object_store.credentials",
        "object_store",
    ),
    Fault(
        "expired_cert",
        "Expired certificate",
        "The W&B host serves an expired certificate, and the profile holds that certificate",
        "tls.expiry",
        "tls",
    ),
    Fault(
        "slow_db",
        "Slow database",
        "Every MySQL statement takes about a fifth of the check timeout: results "
        "stream in slowly and the multi-statement checks (write, latency) time out",
        "database.latency",
        "database",
    ),
    Fault(
        "no_ingress_class",
        "IngressClass missing",
        "The cluster has no IngressClass nginx (only traefik)",
        "deploy.cluster.ingress_class",
        "deploy",
    ),
    Fault(
        "no_operator",
        "Operator not installed",
        "The W&B operator's CRD weightsandbiases.apps.wandb.com is gone",
        "deploy.cluster.operator",
        "deploy",
    ),
    Fault(
        "registry_refuses",
        "Registry refuses the credentials",
        "The private registry rotated the demo puller's password: its token service refuses the profile's",
        "deploy.images",
        "deploy",
    ),
    Fault(
        "node_no_mysql",
        "A node cannot reach MySQL",
        "Node app-2 reports that its connection to MySQL timed out",
        "deploy.node.database",
        "deploy",
    ),
    Fault(
        "proxy_body_1m",
        "Proxy limits bodies to 1 MiB",
        "The proxy in front of W&B refuses bodies over 1 MiB (nginx client_max_body_size 1m) with 413",
        "verify.proxy_body",
        "verify",
    ),
    Fault(
        "image_pull",
        "Image not pullable",
        "W&B's app pod cannot pull its image (ImagePullBackOff)",
        "verify.rollout",
        "verify",
    ),
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
    elif fault_id == "no_ingress_class":
        demo.cluster.set_ingress_class(not on)
    elif fault_id == "no_operator":
        demo.cluster.set_operator(not on)
    elif fault_id == "registry_refuses":
        demo.registry.set_refuse(on)
    elif fault_id == "node_no_mysql":
        demo.set_node_reports(database_cut=on)
    elif fault_id == "proxy_body_1m":
        demo.https.set_body_limit(LIMIT_1MIB if on else None)
    elif fault_id == "image_pull":
        demo.cluster.set_image_pull(on)
    demo.active[fault_id] = on
