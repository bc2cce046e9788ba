"""Helpers for the tests that feed the bundle to its real consumers (SPEC §6, "Works in its real
consumer"): W&B's operator chart through a real `helm`, the kubelet's env resolution, Go's URL parser.

Not a test module. The chart and helm come from `../shared/upstream/` (or $WBSETUP_UPSTREAM); the
tests that need them skip, with the reason, only when neither exists (a user's own clone).
"""

from __future__ import annotations

import base64
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote_plus

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
CHART = "operator-wandb-0.43.8.tgz"
WORKLOADS = ("Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "Pod")


def _main_checkout() -> Path | None:
    """The main checkout of a linked git worktree (its ../shared is the one meant)."""
    git = ROOT / ".git"
    if git.is_file():  # "gitdir: /path/main/.git/worktrees/NAME"
        gitdir = Path(git.read_text().split(":", 1)[1].strip())
        return gitdir.parents[2] if gitdir.parent.name == "worktrees" else None
    return None


def upstream() -> Path | None:
    """The directory holding W&B's chart and get-helm: $WBSETUP_UPSTREAM, else ../shared/upstream
    (beside this checkout, or beside the main checkout of this git worktree)."""
    main = _main_checkout()
    for candidate in (
        os.environ.get("WBSETUP_UPSTREAM"),
        ROOT.parent / "shared" / "upstream",
        main and main.parent / "shared" / "upstream",
    ):
        if candidate and (Path(candidate) / CHART).is_file():
            return Path(candidate)
    return None


def require_chart() -> tuple[Path, Path]:
    """(helm binary, chart): fetched offline with get-helm when helm is not there yet; skip with the
    reason only when no upstream directory exists."""
    up = upstream()
    if up is None:
        pytest.skip(f"W&B's operator chart not found: set WBSETUP_UPSTREAM or put {CHART} in ../shared/upstream")
    helm = ROOT / ".test-deps" / "bin" / "helm"
    if not os.access(helm, os.X_OK):
        helm.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["bash", str(up / "get-helm"), str(helm)], check=True, timeout=300, capture_output=True)
    return helm, up / CHART


def helm_template(values_path: Path, *, release: str = "wandb", namespace: str = "wandb") -> list[dict]:
    helm, chart = require_chart()
    proc = subprocess.run(
        [str(helm), "template", release, str(chart), "-n", namespace, "-f", str(values_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(values_path.parent),
            "HELM_CACHE_HOME": str(values_path.parent / ".helm"),
            "HELM_CONFIG_HOME": str(values_path.parent / ".helm"),
            "HELM_DATA_HOME": str(values_path.parent / ".helm"),
        },
    )
    assert proc.returncode == 0, f"helm template failed: {proc.stderr[-3000:]}"
    return [d for d in yaml.safe_load_all(proc.stdout) if d]


# -- the kubelet ----------------------------------------------------------------------------------

_EXPANSION = re.compile(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)")


def expand(value: str, env: dict[str, str]) -> str:
    """Kubernetes `$(VAR)` expansion (k8s.io/kubernetes third_party/forked/golang/expansion):
    `$$` is a literal `$`, `$(VAR)` of a defined variable its value, an undefined one stays as is."""

    def sub(m: re.Match) -> str:
        if m[0] == "$$":
            return "$"
        return env.get(m[1], m[0])

    return _EXPANSION.sub(sub, value)


def objects(docs: list[dict]) -> dict[tuple[str, str], dict]:
    return {(d["kind"], d["metadata"]["name"]): d for d in docs if isinstance(d, dict) and "kind" in d}


def _data(obj: dict) -> dict[str, str]:
    out = (
        {k: base64.b64decode(v or "").decode() for k, v in (obj.get("data") or {}).items()}
        if obj["kind"] == "Secret"
        else dict(obj.get("data") or {})
    )
    out.update(obj.get("stringData") or {})
    return out


def _source(index, kind: str, ref: dict) -> dict[str, str] | None:
    obj = index.get((kind, ref["name"]))
    return None if obj is None else _data(obj)


def resolve_env(container: dict, index: dict) -> dict[str, str]:
    """The environment the kubelet gives `container`: envFrom first, then env in order, each value
    `$(VAR)`-expanded against what is defined before it; secretKeyRef/configMapKeyRef read the
    rendered objects (an optional reference to a missing object or key is left out)."""
    env: dict[str, str] = {}
    for src in container.get("envFrom") or []:
        for kind, key in (("ConfigMap", "configMapRef"), ("Secret", "secretRef")):
            if key in src:
                data = _source(index, kind, src[key])
                assert data is not None or src[key].get("optional"), f"missing {kind} {src[key]['name']}"
                env.update({(src.get("prefix") or "") + k: v for k, v in (data or {}).items()})
    for item in container.get("env") or []:
        if "valueFrom" not in item:
            env[item["name"]] = expand(str(item.get("value", "")), env)
            continue
        vf = item["valueFrom"]
        for kind, key in (("Secret", "secretKeyRef"), ("ConfigMap", "configMapKeyRef")):
            if key in vf:
                ref = vf[key]
                data = _source(index, kind, ref)
                if data is None or ref["key"] not in data:
                    assert ref.get("optional"), f"{item['name']}: missing {kind} {ref['name']}/{ref['key']}"
                    break
                env[item["name"]] = data[ref["key"]]
                break
    return env


def containers(docs: list[dict]):
    """(workload kind/name, pod spec, container) for every container and init container."""
    for d in docs:
        if not isinstance(d, dict) or d.get("kind") not in WORKLOADS:
            continue
        spec = d["spec"]
        if d["kind"] == "CronJob":
            spec = spec["jobTemplate"]["spec"]
        pod = spec if d["kind"] == "Pod" else spec["template"]["spec"]
        for c in (pod.get("initContainers") or []) + (pod.get("containers") or []):
            yield f"{d['kind']}/{d['metadata']['name']}", pod, c


def mounted_files(pod: dict, container: dict, index: dict) -> dict[str, str]:
    """{path in the container: content} for files mounted from Secrets and ConfigMaps."""
    volumes = {v["name"]: v for v in pod.get("volumes") or []}
    out: dict[str, str] = {}
    for m in container.get("volumeMounts") or []:
        vol = volumes.get(m["name"])
        if vol is None:
            continue
        if "secret" in vol:
            data, items = _source(index, "Secret", {"name": vol["secret"]["secretName"]}), vol["secret"].get("items")
        elif "configMap" in vol:
            data, items = _source(index, "ConfigMap", vol["configMap"]), vol["configMap"].get("items")
        else:
            continue
        if data is None:
            continue
        files = {i["path"]: data[i["key"]] for i in items if i["key"] in data} if items else dict(data)
        if m.get("subPath"):
            if m["subPath"] in files:
                out[m["mountPath"]] = files[m["subPath"]]
        else:
            out.update({m["mountPath"].rstrip("/") + "/" + p: v for p, v in files.items()})
    return out


# -- Go's net/url ---------------------------------------------------------------------------------


class GoURLError(ValueError):
    pass


_UNRESERVED = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_USERINFO_OK = _UNRESERVED | set("!$&'()*+,;=:%@")


def _go_unescape(s: str) -> str:
    """net/url unescape in encodeUserPassword / encodePath mode: %XX decoded, `+` stays `+`; a
    malformed escape is an error."""
    out, i = bytearray(), 0
    raw = s.encode("utf-8")
    while i < len(raw):
        if raw[i] == ord("%"):
            h = raw[i + 1 : i + 3]
            if len(h) < 2 or not all(chr(c) in "0123456789abcdefABCDEF" for c in h):
                raise GoURLError(f"invalid URL escape {s[i : i + 3]!r}")
            out.append(int(h, 16))
            i += 3
        else:
            out.append(raw[i])
            i += 1
    return out.decode("utf-8")


@dataclass
class GoURL:
    scheme: str
    username: str | None
    password: str | None
    hostname: str
    port: str
    path: str
    raw_query: str

    def query(self) -> dict[str, str]:
        return dict(p.split("=", 1) if "=" in p else (p, "") for p in self.raw_query.split("&") if p)


def go_url_parse(s: str) -> GoURL:
    """url.Parse as Go's net/url does it, for scheme://userinfo@host:port/path?query URLs: the
    fragment is cut at the first `#`, the query at the first `?`, the authority ends at the first
    `/`, userinfo ends at the LAST `@` and may hold only RFC 3986 userinfo characters."""
    s, _, _fragment = s.partition("#")
    m = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*):", s)
    if not m:
        raise GoURLError("missing protocol scheme")
    scheme, rest = m[1].lower(), s[m.end() :]
    rest, _, raw_query = rest.partition("?")
    if not rest.startswith("//"):
        raise GoURLError("no authority")
    authority, slash, path = rest[2:].partition("/")
    path = slash + path
    username = password = None
    if "@" in authority:
        userinfo, authority = authority[: authority.rindex("@")], authority[authority.rindex("@") + 1 :]
        bad = sorted({c for c in userinfo if c not in _USERINFO_OK})
        if bad:
            raise GoURLError(f"net/url: invalid userinfo (characters {''.join(bad)!r})")
        user, colon, pw = userinfo.partition(":")
        username = _go_unescape(user)
        password = _go_unescape(pw) if colon else None
    if authority.startswith("["):
        host, _, port = authority[1:].partition("]")
        port = port.removeprefix(":")
    else:
        host, _, port = authority.rpartition(":") if ":" in authority else (authority, "", "")
    if port and not port.isdigit():
        raise GoURLError(f"invalid port {port!r} after host")
    return GoURL(scheme, username, password, host, port, _go_unescape(path), raw_query)


def init_job_decode(value: str) -> str:
    """What the chart's init-db container does with MYSQL_PASSWORD: Python's unquote_plus."""
    return unquote_plus(value)
