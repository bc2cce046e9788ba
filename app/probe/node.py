"""Node-side measurement for node reports (§4.5 "The nodes, measured from the nodes"; the report
shape is a **contract**).

ONE implementation for both places it runs: `wbsetup probe --node` calls it through app/probe/reports.py, and
the node report script the wizard serves (app/probe_script.node_script) embeds this module's source
text next to app/probe/host.py's. So this file stays standard-library only, imports nothing from `app` at
module level, has no `from __future__` line (it is not the first text of the served program) and no
annotations that need a recent Python to evaluate.

Input is plain data, derived from the answers by app.probe.reports.targets():
    {"profile": str,
     "database": {"host": str, "port": int} or None,
     "object_store": {"endpoint": str, "ca_pem": str or None} or None,
     "host": the W&B URL or None}
Every measurement is bounded by a timeout; nothing here needs root.
"""

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


def N_(text):
    """Declares a text for the wizard's catalog (babel.cfg keyword), as app.i18n.message.N_ does: this
    program runs on the node with the standard library only, so it has its own."""
    return text


SCHEMA, KIND = 1, "node-report"
ROLES = ("app", "client")
TLS_STATES = ("trusted", "private-ca", "untrusted", "none")
HARDWARE_KEYS = ("arch", "cpu_cores", "memory_gib", "disk_gb", "disk_mbps", "nics", "nic_gbps")


def measure_node(targets, role="app", name=None, timeout=3.0, disk_seconds=2.0):
    """Measure, from this machine, what the deployment described by `targets` needs of it: a node
    report in the contract shape. `name` defaults to this host's name."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}")
    return {
        "schema": SCHEMA,
        "kind": KIND,
        "profile": targets.get("profile"),
        "node": name or socket.gethostname(),
        "role": role,
        "measured_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "hardware": hardware(disk_seconds),
        "reach": {
            "database": reach_database(targets.get("database"), timeout),
            "object_store": reach_object_store(targets.get("object_store"), timeout),
            "host": reach_host(targets.get("host"), timeout),
        },
        "docker": docker_versions(timeout),
        "ports_in_use": listening_ports(),
    }


def hardware(disk_seconds=2.0):
    """The hardware facts: app/probe/host.py's `measure` (embedded alongside in the served script, else
    imported), which measures more carefully; without it a cheap fallback."""
    fn = globals().get("measure")  # the served program defines it (app/probe/host.py's source comes first)
    if fn is None:
        try:
            from app.probe.host import measure
        except ImportError:
            return measure_cheaply()
        fn = measure
    facts = dict(fn(disk_seconds=disk_seconds))
    return {k: facts.get(k) for k in HARDWARE_KEYS}


def measure_cheaply():
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
        if not os.path.exists(os.path.join("/sys/class/net", nic, "device")):  # virtual: lo, bridges, veth
            continue
        try:
            with open(os.path.join("/sys/class/net", nic, "speed"), encoding="ascii") as fh:
                speeds.append(max(int(fh.read().strip()), 0) / 1000)
        except (OSError, ValueError):
            speeds.append(0.0)
    best = max(speeds, default=0.0)
    return {
        "arch": platform.machine() or None,
        "cpu_cores": os.cpu_count(),
        "memory_gib": memory_gib,
        "disk_gb": round(shutil.disk_usage("/").total / 1e9),
        "disk_mbps": _write_mbps(),
        "nics": sum(1 for s in speeds if s >= best) if best else len(speeds),
        "nic_gbps": best,
    }


def _write_mbps(megabytes=32):
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


def _error(exc, timeout):
    """A short cause: DNS, refused, timed out, or the OS error."""
    if isinstance(exc, socket.gaierror):
        return N_("DNS: the name does not resolve")
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return f"timed out after {timeout:g} s (firewall?)"
    if isinstance(exc, ConnectionRefusedError):
        return N_("connection refused (nothing listening, or a firewall rejects it)")
    return f"{type(exc).__name__}: {getattr(exc, 'strerror', None) or exc}"


def _tcp(host, port, timeout):
    t0 = time.perf_counter()
    try:
        sock = socket.create_connection((host, port), timeout=timeout)
    except (OSError, ValueError) as exc:  # ValueError: a name the IDNA codec refuses
        return None, None, _error(exc, timeout)
    return sock, round((time.perf_counter() - t0) * 1000, 1), None


def reach_database(database, timeout=3.0):
    """TCP connection to database {"host", "port"} (None: not set in the answers)."""
    if not database or not database.get("host"):
        return {"target": None, "ok": False, "ms": None, "error": N_("database.host is not set in the answers")}
    host, port = database["host"], database.get("port") or 3306
    sock, ms, err = _tcp(host.strip("[]"), port, timeout)
    if sock:
        sock.close()
    return {"target": f"{host}:{port}", "ok": sock is not None, "ms": ms, "error": err}


def reach_object_store(store, timeout=3.0):
    """TCP connection to the S3 endpoint of `store` {"endpoint", "ca_pem"}; for https, whom the
    served certificate is trusted by."""
    if not store or not store.get("endpoint"):
        return {
            "target": None,
            "ok": False,
            "ms": None,
            "error": N_("object_store.endpoint is not set in the answers"),
            "tls": None,
        }
    url = urlsplit(store["endpoint"])
    try:
        port = url.port or (443 if url.scheme == "https" else 80)
    except ValueError as exc:  # a port that is not a number
        return {"target": store["endpoint"], "ok": False, "ms": None, "error": _error(exc, timeout), "tls": None}
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
    ca_pem = store.get("ca_pem")
    problem = _handshake(url.hostname, port, timeout, ca_pem) if ca_pem else "untrusted"
    out["tls"] = "private-ca" if problem is None else "untrusted"
    if problem is not None:
        out["error"] = f"TLS: {problem}"
    return out


def _handshake(host, port, timeout, ca_pem):
    """None when a verified TLS handshake succeeds (system store, or only `ca_pem`), else why not."""
    try:
        ctx = ssl.create_default_context(cadata=ca_pem) if ca_pem else ssl.create_default_context()
    except (ssl.SSLError, ValueError) as exc:  # a CA text that is not a certificate
        return f"handshake failed: {_error(exc, timeout)}"
    try:
        with socket.create_connection((host, port), timeout=timeout) as raw:
            with ctx.wrap_socket(raw, server_hostname=host):
                return None
    except ssl.SSLCertVerificationError as exc:
        return f"certificate not trusted ({exc.verify_message})"
    except (OSError, ssl.SSLError, ValueError) as exc:
        return f"handshake failed: {_error(exc, timeout)}"


def reach_host(host_url, timeout=3.0):
    """Does the W&B host name of `host_url` resolve here? (getaddrinfo has no timeout: bounded by a
    thread.)"""
    if not host_url:
        return {"target": None, "ok": False, "addresses": [], "error": N_("host is not set in the answers")}
    name = urlsplit(host_url).hostname
    result: dict = {}

    def lookup():
        try:
            infos = socket.getaddrinfo(name, None, proto=socket.IPPROTO_TCP)
            result["addresses"] = sorted({i[4][0] for i in infos})
        except (OSError, ValueError) as exc:  # ValueError: a name the IDNA codec refuses
            result["error"] = _error(exc, timeout)

    t = threading.Thread(target=lookup, daemon=True)
    t.start()
    t.join(timeout)
    if t.is_alive():
        result["error"] = f"DNS: no answer within {timeout:g} s"
    addresses = result.get("addresses", [])
    return {"target": name, "ok": bool(addresses), "addresses": addresses, "error": result.get("error")}


def _run(cmd, timeout):
    try:
        done = subprocess.run(
            cmd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            universal_newlines=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    out = done.stdout.strip().splitlines()
    return out[0].strip().lstrip("v") if done.returncode == 0 and out and out[0].strip() else None


def docker_versions(timeout=5.0):
    """Docker Engine (the running daemon's version) and Compose (v2 plugin, else docker-compose)."""
    engine = _run(["docker", "version", "--format", "{{.Server.Version}}"], timeout)
    compose = _run(["docker", "compose", "version", "--short"], timeout) or _run(
        ["docker-compose", "version", "--short"], timeout
    )
    return {"engine": engine, "compose": compose}


def listening_ports(proc="/proc/net"):
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
