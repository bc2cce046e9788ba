"""`wbsetup demo`: the wizard against simulated infrastructure on loopback (§8).

`Demo` starts the stand-ins — a MySQL 8.4 stand-in (mysql-mimic), an S3 endpoint (moto), a simulated
Kubernetes API server with W&B deployed by its operator (app/demo/kube.py), and the W&B stand-in
behind a TLS proxy at the W&B URL (real nginx with the bundle's nginx.conf where nginx is installed,
else a Python proxy; app/demo/wandb_front.py) — and writes the prefilled demo profile and three node
reports (app/demo/nodes.py) into a store. `run_demo` serves the wizard on top of them with a throw-away
state store and stops everything on Ctrl-C. Nothing listens anywhere but 127.0.0.1.
"""

from __future__ import annotations

import secrets
import sys
import tempfile
from pathlib import Path

from app.answers import parse_document
from app.demo import faults, nginx, nodes
from app.demo.https import HOST_NAME, DemoCA
from app.demo.kube import DemoCluster
from app.demo.mysql_standin import VERSION, MysqlStandin, StandinState
from app.demo.profile import IMAGE_VERSION, PROFILE, demo_answers
from app.demo.registry import USER as REGISTRY_USER, DemoRegistry
from app.demo.s3 import BUCKET, REGION, DemoS3
from app.demo.wandb_front import NginxFront, PythonFront, free_port
from app.demo.wandb_server import WandbStandin

LOOPBACK = ("127.0.0.1", "localhost", "::1")
__all__ = ["Demo", "run_demo", "PROFILE"]


class Demo:
    """The simulated infrastructure. `start()` it, `attach(store)` to write the demo profile, flip
    faults with `set_fault(id, on)`, `stop()` it (idempotent); also a context manager."""

    def __init__(self, *, timeout: float = 5.0, use_nginx: bool | None = None):
        self.timeout = timeout  # the wizard's check timeout: "slow database" is sized from it
        self.version = VERSION
        self.active: dict[str, bool] = {f.id: False for f in faults.FAULTS}
        self.store = None
        self.mysql_state = StandinState(password=secrets.token_urlsafe(18))
        self.ca = DemoCA()
        self._valid, self._expired = self.ca.valid(), self.ca.expired()
        self.wandb = WandbStandin(api_key=f"demo-{secrets.token_hex(18)}", version=IMAGE_VERSION)
        self.use_nginx = nginx.available() if use_nginx is None else use_nginx
        self.https: NginxFront | PythonFront
        if self.use_nginx:  # the bundle's nginx.conf needs the answers: built at start()
            self.https = NginxFront("", self._valid, self.wandb.port, free_port())
        else:
            self.https = PythonFront(self._valid, self.wandb.port)
        self.host = f"https://{HOST_NAME}:{self.https.port}"
        self.mysql = MysqlStandin(self.mysql_state)
        self.s3 = DemoS3(origin=self.host)
        self.cluster = DemoCluster(self.ca, version=IMAGE_VERSION)
        self.registry = DemoRegistry()  # asks for credentials: the demo profile holds them
        self._started: list = []

    # -- life cycle ---------------------------------------------------------------------------------
    def start(self) -> Demo:
        try:
            for service in (self.wandb, self.mysql, self.s3, self.cluster, self.registry, self.https):
                if service is self.https and self.use_nginx:
                    from app.artifacts.bundle import build_bundle

                    assert isinstance(self.https, NginxFront)  # use_nginx chose it
                    self.https.conf = build_bundle(self.answers())["docker-compose/nginx.conf"].decode()
                service.start()
                self._started.append(service)
            self._fill_registry()
        except BaseException:
            self.stop()
            raise
        return self

    def _fill_registry(self) -> None:
        """The simulated registry holds every image of the bundle's images.txt."""
        from app.artifacts.images import bundle_images
        from app.artifacts.redact import mask

        prefix = self.registry.registry + "/"
        self.registry.images = {t.removeprefix(prefix) for _, t in bundle_images(mask(self.answers(), redact=True))}

    def stop(self) -> None:
        """Stop every service that was started (listeners closed, threads joined)."""
        while self._started:
            service = self._started.pop()
            try:
                service.stop()
            except Exception as exc:  # keep stopping the others
                print(f"wbsetup demo: stopping {type(service).__name__} failed: {exc}", file=sys.stderr)

    def __enter__(self) -> Demo:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- the profile --------------------------------------------------------------------------------
    def answers(self):
        """The demo profile's answers for the current state (the expired certificate when that fault is on)."""
        cert = self._expired if self.active["expired_cert"] else self._valid
        return demo_answers(
            mysql_port=self.mysql.port,
            mysql_password=self.mysql_state.password,
            s3_endpoint=self.s3.endpoint,
            bucket=BUCKET,
            region=REGION,
            access_key=self.s3.access_key,
            secret_key=self.s3.secret_key,
            host=self.host,
            cert_pem=cert.cert_pem,
            key_pem=cert.key_pem,
            ca_pem=self.ca.cert_pem,
            kubeconfig=self.cluster.kubeconfig(),
            api_key=self.wandb.api_key,
            registry=self.registry.registry,
            registry_username=REGISTRY_USER,
            registry_password=self.registry.password,
        )

    def node_reports(self) -> list[dict]:
        """The node reports of app-1, app-2 and train-1 for the current state."""
        return nodes.reports(self.answers(), database_cut=self.active["node_no_mysql"])

    def attach(self, store) -> None:
        """Write the demo profile and its node reports into `store` (replacing a profile of that
        name) and keep them in step with the certificate and node faults."""
        self.store = store
        store.save_answers(self.answers(), replace=True, last_step="hardware")
        self.cluster.apply(self.answers())  # the Verify page's drift panel finds the bundle applied
        self.set_node_reports(database_cut=self.active["node_no_mysql"])

    def set_node_reports(self, *, database_cut: bool) -> None:
        if self.store is None:
            return
        from app.store import NotFound

        try:
            for report in nodes.reports(self.answers(), database_cut=database_cut):
                self.store.add_node_report(PROFILE, report)  # replaces the node's previous report
        except NotFound:
            pass  # the demo profile was deleted

    def set_certificate(self, *, expired: bool) -> None:
        issued = self._expired if expired else self._valid
        self.https.serve(issued)
        if self.store is None:
            return
        from app.store import NotFound

        try:
            answers, row = self.store.get_profile(PROFILE)
        except NotFound:
            return  # the sales engineer deleted the demo profile: only the served certificate changes
        doc = answers.to_document(secrets="plain")
        doc["tls"] = {**doc.get("tls", {}), "cert_pem": issued.cert_pem, "key_pem": issued.key_pem}
        self.store.save_answers(parse_document(doc), expected_version=row.version)

    # -- faults -------------------------------------------------------------------------------------
    def set_fault(self, fault_id: str, on: bool) -> None:
        """Turn a fault (app.demo.faults.FAULTS) on or off; KeyError for an unknown id."""
        faults.apply(self, fault_id, on)


def mount(app, demo: Demo) -> None:
    """Make a wizard app (app.main.create_app with settings.demo) serve `demo`: its control panel at
    /demo, its services for the checks, its profile in the app's store."""
    from app.demo.routes import router

    app.include_router(router)
    app.state.demo = demo
    demo.timeout = app.state.settings.check_timeout
    demo.attach(app.state.store)


def run_demo(host: str = "127.0.0.1", port: int = 8080) -> int:
    """Serve the wizard on `host:port` against a fresh Demo; returns the exit code (2: not loopback)."""
    if host not in LOOPBACK:
        print(
            f"wbsetup demo: refusing to listen on {host}: the demo serves on loopback only (127.0.0.1)", file=sys.stderr
        )
        return 2
    import uvicorn
    from cryptography.fernet import Fernet

    from app.main import create_app
    from app.settings import Settings

    with tempfile.TemporaryDirectory(prefix="wbsetup-demo-") as tmp, Demo() as demo:
        settings = Settings(
            state_url=f"sqlite:///{Path(tmp) / 'state.db'}",
            secret_key=Fernet.generate_key().decode(),
            data_dir=Path(tmp),
            demo=True,
        )
        token = secrets.token_urlsafe(24)
        app = create_app(settings, token=token)
        mount(app, demo)
        shown = f"[{host}]" if ":" in host else host
        print(
            "wbsetup demo: DEMO — simulated infrastructure on loopback "
            f"(MySQL stand-in 127.0.0.1:{demo.mysql.port}, S3 {demo.s3.endpoint}, Kubernetes API {demo.cluster.url}, "
            f"registry {demo.registry.registry}, W&B {demo.host} behind {'nginx' if demo.use_nginx else 'a Python proxy'})"
        )
        print(f"wbsetup demo: open http://{shown}:{port}/login?token={token}&next=/p/{PROFILE}/hardware", flush=True)
        print(f"wbsetup demo: fault toggles at http://{shown}:{port}/demo — Ctrl-C stops everything", flush=True)
        uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
    print("wbsetup demo: stopped; the demo state was discarded")
    return 0
