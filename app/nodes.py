"""Node reports (SPEC §4.5 "The nodes, measured from the nodes"; the report shape is a **contract**).

`wbsetup probe --node ANSWERS` runs `node_report()` on an application node or a client machine and
prints the report; `validate --node-report FILE` reads reports back with `load_reports()`, and the
web upload path uses `validate_report()`. The `deploy.node.*` checks (app/checks/deploy_nodes.py)
judge them. Every measurement is bounded by a timeout; nothing here needs root.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import time
from datetime import datetime, timezone
from urllib.parse import urlsplit

from app.answers import Answers, AnswersError

SCHEMA, KIND = 1, "node-report"
ROLES = ("app", "client")
TLS_STATES = ("trusted", "private-ca", "untrusted", "none")
HARDWARE_KEYS = ("arch", "cpu_cores", "memory_gib", "disk_gb", "disk_mbps", "nics", "nic_gbps")


# --- what the node measures ------------------------------------------------------------------------
def node_report(answers: Answers, role: str = "app", name: str | None = None, timeout: float = 3.0) -> dict:
    """Measure, from this machine, what the deployment in `answers` needs of it (the contract shape)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}")
    return {
        "schema": SCHEMA, "kind": KIND, "profile": answers.profile, "node": name or socket.gethostname(),
        "role": role, "measured_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "hardware": _hardware(),
        "reach": {
            "database": reach_database(answers, timeout),
            "object_store": reach_object_store(answers, timeout),
            "host": reach_host(answers, timeout),
        },
        "docker": docker_versions(timeout),
        "ports_in_use": listening_ports(),
    }


def _hardware() -> dict:
    try:  # the hardware probe (app/probe.py), when present, measures more carefully
        from app.probe import measure

        facts = dict(measure())
        return {k: facts.get(k) for k in HARDWARE_KEYS}
    except ImportError:
        return _measure_cheaply()


def _measure_cheaply() -> dict:
    """A quick fallback: /proc, /sys and a bounded 32 MiB write for the disk bandwidth."""
    memory_gib = None
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            kib = next(int(line.split()[1]) for line in fh if line.startswith("MemTotal:"))
        memory_gib = round(kib / 2**20, 1)
    except (OSError, StopIteration, ValueError):
        pass
    speeds = []
    for nic in sorted(os.listdir("/sys/class/net")) if os.path.isdir("/sys/class/net") else []:
        if not os.path.exists(f"/sys/class/net/{nic}/device"):  # virtual: lo, bridges, veth
            continue
        try:
            with open(f"/sys/class/net/{nic}/speed", encoding="ascii") as fh:
                speeds.append(max(int(fh.read().strip()), 0) / 1000)
        except (OSError, ValueError):
            speeds.append(0.0)
    best = max(speeds, default=0.0)
    return {"arch": platform.machine() or None, "cpu_cores": os.cpu_count(), "memory_gib": memory_gib,
            "disk_gb": round(shutil.disk_usage("/").total / 1e9), "disk_mbps": _disk_mbps(),
            "nics": sum(1 for s in speeds if s >= best) if best else len(speeds), "nic_gbps": best}


def _disk_mbps(megabytes: int = 32) -> float | None:
    block = os.urandom(1 << 20)
    try:
        with tempfile.NamedTemporaryFile(dir="/var/tmp" if os.path.isdir("/var/tmp") else None) as fh:
            t0 = time.perf_counter()
            for _ in range(megabytes):
                fh.write(block)
            fh.flush()
            os.fsync(fh.fileno())
            return round(megabytes * 8 * 1.048576 / (time.perf_counter() - t0))
    except OSError:
        return None


def _error(exc: BaseException, timeout: float) -> str:
    """A short cause: DNS, refused, timed out, or the OS error."""
    if isinstance(exc, socket.gaierror):
        return "DNS: the name does not resolve"
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return f"timed out after {timeout:g} s (firewall?)"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused (nothing listening, or a firewall rejects it)"
    return f"{type(exc).__name__}: {getattr(exc, 'strerror', None) or exc}"


def _tcp(host: str, port: int, timeout: float) -> tuple[socket.socket | None, float | None, str | None]:
    t0 = time.perf_counter()
    try:
        sock = socket.create_connection((host, port), timeout=timeout)
    except OSError as exc:
        return None, None, _error(exc, timeout)
    return sock, round((time.perf_counter() - t0) * 1000, 1), None


def reach_database(answers: Answers, timeout: float = 3.0) -> dict:
    """TCP connection to database.host:port."""
    db = answers.database
    if not db.host:
        return {"target": None, "ok": False, "ms": None, "error": "database.host is not set in the answers"}
    host = db.host.strip("[]")
    sock, ms, err = _tcp(host, db.port, timeout)
    if sock:
        sock.close()
    return {"target": f"{db.host}:{db.port}", "ok": sock is not None, "ms": ms, "error": err}


def reach_object_store(answers: Answers, timeout: float = 3.0) -> dict:
    """TCP connection to the S3 endpoint; for https, whom the served certificate is trusted by."""
    store = answers.object_store
    if not store.endpoint:
        return {"target": None, "ok": False, "ms": None, "error": "object_store.endpoint is not set in the answers",
                "tls": None}
    url = urlsplit(store.endpoint)
    port = url.port or (443 if url.scheme == "https" else 80)
    out = {"target": f"{url.hostname}:{port}", "ok": False, "ms": None, "error": None, "tls": None}
    sock, out["ms"], out["error"] = _tcp(url.hostname, port, timeout)
    if sock is None:
        return out
    sock.close()
    out["ok"] = True
    if url.scheme == "http":
        out["tls"] = "none"
        return out
    if _handshake(url.hostname, port, timeout, None) is None:
        out["tls"] = "trusted"
        return out
    problem = _handshake(url.hostname, port, timeout, store.ca_pem) if store.ca_pem else "untrusted"
    out["tls"] = "private-ca" if problem is None else "untrusted"
    if problem is not None:
        out["error"] = f"TLS: {problem}"
    return out


def _handshake(host: str, port: int, timeout: float, ca_pem: str | None) -> str | None:
    """None when a verified TLS handshake succeeds (system store, or only `ca_pem`), else why not."""
    ctx = ssl.create_default_context(cadata=ca_pem) if ca_pem else ssl.create_default_context()
    try:
        with socket.create_connection((host, port), timeout=timeout) as raw:
            with ctx.wrap_socket(raw, server_hostname=host):
                return None
    except ssl.SSLCertVerificationError as exc:
        return f"certificate not trusted ({exc.verify_message})"
    except (OSError, ssl.SSLError) as exc:
        return f"handshake failed: {_error(exc, timeout)}"


def reach_host(answers: Answers, timeout: float = 3.0) -> dict:
    """Does the W&B host name resolve here? (getaddrinfo has no timeout: bounded by a thread.)"""
    if not answers.host:
        return {"target": None, "ok": False, "addresses": [], "error": "host is not set in the answers"}
    name = urlsplit(answers.host).hostname
    result: dict = {}

    def lookup():
        try:
            infos = socket.getaddrinfo(name, None, proto=socket.IPPROTO_TCP)
            result["addresses"] = sorted({i[4][0] for i in infos})
        except OSError as exc:
            result["error"] = _error(exc, timeout)

    t = threading.Thread(target=lookup, daemon=True)
    t.start()
    t.join(timeout)
    if t.is_alive():
        result["error"] = f"DNS: no answer within {timeout:g} s"
    addresses = result.get("addresses", [])
    return {"target": name, "ok": bool(addresses), "addresses": addresses, "error": result.get("error")}


def _run(cmd: list[str], timeout: float) -> str | None:
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return None
    out = done.stdout.strip().splitlines()
    return out[0].strip().lstrip("v") if done.returncode == 0 and out and out[0].strip() else None


def docker_versions(timeout: float = 5.0) -> dict:
    """Docker Engine (the running daemon's version) and Compose (v2 plugin, else docker-compose)."""
    engine = _run(["docker", "version", "--format", "{{.Server.Version}}"], timeout)
    compose = _run(["docker", "compose", "version", "--short"], timeout) \
        or _run(["docker-compose", "version", "--short"], timeout)
    return {"engine": engine, "compose": compose}


def listening_ports(proc: str = "/proc/net") -> list[int]:
    """TCP ports in state LISTEN (IPv4 and IPv6), from /proc/net/tcp{,6}."""
    ports = set()
    for name in ("tcp", "tcp6"):
        try:
            with open(os.path.join(proc, name), encoding="ascii") as fh:
                next(fh, None)
                for line in fh:
                    fields = line.split()
                    if len(fields) > 3 and fields[3] == "0A":  # 0A = TCP_LISTEN
                        ports.add(int(fields[1].rsplit(":", 1)[1], 16))
        except OSError:
            continue
    return sorted(ports)


def published_ports(answers: Answers) -> list[int]:
    """Host ports the docker-compose target publishes on an app node: exactly what the rendered
    compose file publishes (one source of truth, app.artifacts.compose)."""
    from app.artifacts.compose import published_ports as compose_ports

    return compose_ports(answers)


# --- reading reports back ------------------------------------------------------------------------
def _reach_ok(doc: dict, key: str, errors: list[str]) -> None:
    item = doc.get(key)
    if not isinstance(item, dict) or not isinstance(item.get("ok"), bool) or "target" not in item:
        errors.append(f"reach.{key}: an object with target, ok (true/false) and error")
        return
    if key == "object_store" and item.get("tls") not in (*TLS_STATES, None):
        errors.append(f"reach.object_store.tls: one of {', '.join(TLS_STATES)} or null")


def validate_report(doc, profile: str) -> dict:
    """Check a parsed node report's shape and profile; raise AnswersError listing what is wrong."""
    if not isinstance(doc, dict) or doc.get("kind") != KIND:
        raise AnswersError(["not a node report (kind must be node-report)"])
    errors = []
    if doc.get("schema") != SCHEMA:
        errors.append(f"schema: must be {SCHEMA}")
    if doc.get("profile") != profile:
        errors.append(f"profile: the report is for profile {doc.get('profile')!r}, not {profile!r}")
    if not isinstance(doc.get("node"), str) or not doc["node"]:
        errors.append("node: the node's name (a string)")
    if doc.get("role") not in ROLES:
        errors.append(f"role: one of {', '.join(ROLES)}")
    if not isinstance(doc.get("measured_at"), str):
        errors.append("measured_at: a UTC timestamp such as 2026-11-29T03:00:00Z")
    hardware = doc.get("hardware")
    if not isinstance(hardware, dict) or any(k not in hardware for k in HARDWARE_KEYS):
        errors.append(f"hardware: an object with {', '.join(HARDWARE_KEYS)}")
    reach = doc.get("reach")
    if not isinstance(reach, dict):
        errors.append("reach: an object with database, object_store and host")
    else:
        for key in ("database", "object_store", "host"):
            _reach_ok(reach, key, errors)
    docker = doc.get("docker")
    if not isinstance(docker, dict) or any(not isinstance(docker.get(k), (str, type(None))) for k in ("engine", "compose")):
        errors.append("docker: an object with engine and compose (a version or null)")
    ports = doc.get("ports_in_use")
    if not isinstance(ports, list) or any(not isinstance(p, int) or isinstance(p, bool) for p in ports):
        errors.append("ports_in_use: a list of port numbers")
    if errors:
        raise AnswersError(errors)
    return doc


def load_reports(paths: list[str], profile: str) -> list[dict]:
    """Read node report files for `profile`; AnswersError (CLI exit 2) names the file and the problem."""
    reports = []
    for path in paths:
        try:
            with open(path, encoding="utf-8") as fh:
                doc = json.load(fh)
        except OSError as exc:
            raise AnswersError([f"{path}: cannot read the node report ({exc.strerror})"]) from None
        except (ValueError, UnicodeDecodeError):
            raise AnswersError([f"{path}: not a node report (not JSON)"]) from None
        try:
            reports.append(validate_report(doc, profile))
        except AnswersError as exc:
            raise AnswersError([f"{path}: {e}" for e in exc.errors]) from None
    return reports
