#!/usr/bin/env python3
"""Recording stand-ins for the tools a runbook calls where this machine has no cluster, no Docker
daemon, no systemd and no W&B (tests/test_runbook_commands.py). Invoked through a symlink named after
the tool; every call is appended to $RUNBOOK_STATE/calls.jsonl.

They fail the way the real tool would on what a runbook can get wrong:
- kubectl: `create` of an object that exists (AlreadyExists), a namespaced object in a namespace that
  does not exist (NotFound), a custom resource whose CRD is not installed, a file that is missing or
  not YAML (each document needs apiVersion, kind, metadata.name); `get`/`rollout status` of nothing.
  The cluster is $RUNBOOK_STATE/cluster.json, so a second run sees what the first created.
- helm: a chart `repo/name` from a repository never added, a values file that is missing or not YAML,
  an install into a namespace that does not exist without --create-namespace; the operator chart
  installs the WeightsAndBiases CRD.
- docker: `compose up` in a directory without a compose file, with a bind-mounted `./path` that does not
  exist, or with an interpolated `${NAME}` that neither .env nor the environment sets; `login` without a
  password on stdin.
- systemctl: a unit that is not in /etc/systemd/system; `enable --now`/`start` of a service runs its
  ExecStart (WorkingDirectory, Environment=) with these stand-ins, as systemd would.
- sudo: runs the command (the test runs as root in a private mount namespace; -E and VAR=value kept).
- mysql, mysqldump: the real MariaDB client against the test server ($RUNBOOK_MYSQL_SOCKET, as root):
  the runbook's host, port, user and password options are dropped; MariaDB stands in for MySQL 8, so
  `SET PERSIST` (MySQL 8 only) runs as `SET GLOBAL`.
- wbsetup: `render` and `diff` are the real ones (diff's exit 1, "differs", counts as success); `validate`/`verify` reach the answers' hosts, which do not exist
  here: the answers file must be one (YAML, schema 1, a profile) and each --step a step.
- aws (put-bucket-cors: the file:// JSON must parse), skopeo, promtool (rules YAML must parse), curl,
  wandb, journalctl: record (and check their input files).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import yaml

STATE = Path(os.environ["RUNBOOK_STATE"])
SHIMS = Path(os.environ["RUNBOOK_SHIMS"])
CLUSTER_SCOPED = {"Namespace", "ClusterIssuer", "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding"}
CRD_KINDS = {"WeightsAndBiases": "weightsandbiases"}


def fail(tool: str, message: str, code: int = 1) -> None:
    print(message if message.startswith(("error", "Error")) else f"{tool}: {message}", file=sys.stderr)
    sys.exit(code)


def record(tool: str, argv: list[str]) -> None:
    with (STATE / "calls.jsonl").open("a") as fh:
        fh.write(json.dumps({"tool": tool, "argv": argv, "cwd": os.getcwd()}) + "\n")


def cluster() -> dict:
    path = STATE / "cluster.json"
    return json.loads(path.read_text()) if path.exists() else {"objects": {}, "repos": {}, "crds": []}


def save(state: dict) -> None:
    (STATE / "cluster.json").write_text(json.dumps(state, indent=1, sort_keys=True))


def yaml_docs(tool: str, path: str) -> list[dict]:
    text = sys.stdin.read() if path == "-" else None
    if text is None:
        if not Path(path).is_file():
            fail(tool, f'error: the path "{path}" does not exist')
        text = Path(path).read_text()
    try:
        docs = [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError as exc:
        fail(tool, f"error: error parsing {path}: {exc}")
    if not docs:
        fail(tool, f"error: no objects passed to apply ({path})")
    return docs


def options(argv: list[str], with_value: set[str]) -> tuple[dict[str, list[str]], list[str]]:
    """({option: [values]}, positionals); `--a=b` and `-n x` alike."""
    opts: dict[str, list[str]] = {}
    pos: list[str] = []
    it = iter(argv)
    for arg in it:
        if arg.startswith("-") and arg != "-":
            name, eq, value = arg.partition("=")
            if not eq and name in with_value:
                value = next(it, "")
            opts.setdefault(name, []).append(value)
        else:
            pos.append(arg)
    return opts, pos


# -- kubectl ---------------------------------------------------------------------------------------


def _key(kind: str, ns: str | None, name: str) -> str:
    return f"{kind}/{ns or '-'}/{name}"


def _admit(state: dict, doc: dict, default_ns: str, *, create: bool) -> str:
    for field in ("apiVersion", "kind"):
        if not doc.get(field):
            fail("kubectl", f"error: error validating data: {field} not set")
    name = (doc.get("metadata") or {}).get("name")
    if not name:
        fail("kubectl", "error: error validating data: metadata.name not set")
    kind = doc["kind"]
    if kind in CRD_KINDS and CRD_KINDS[kind] not in state["crds"]:
        fail("kubectl", f'error: resource mapping not found for name: "{name}": no matches for kind "{kind}"')
    ns = None if kind in CLUSTER_SCOPED else (doc["metadata"].get("namespace") or default_ns)
    if ns and ns != "default" and _key("Namespace", None, ns) not in state["objects"]:
        fail("kubectl", f'Error from server (NotFound): namespaces "{ns}" not found')
    key = _key(kind, ns, name)
    if create and key in state["objects"]:
        fail("kubectl", f'Error from server (AlreadyExists): {kind.lower()}s "{name}" already exists')
    state["objects"][key] = doc
    return f"{kind.lower()}/{name} {'created' if create else 'configured'}"


def kubectl(argv: list[str]) -> None:
    opts, pos = options(
        argv, {"-n", "--namespace", "-f", "--filename", "-o", "--output", "--timeout", "--cert", "--key"}
    )
    ns = (opts.get("-n") or opts.get("--namespace") or ["default"])[-1]
    state = cluster()
    verb = pos[0] if pos else ""
    if verb == "apply":
        files = opts.get("-f", []) + opts.get("--filename", [])
        if not files:
            fail("kubectl", "error: must specify one of -f and -k")
        for f in files:
            for doc in yaml_docs("kubectl", f):
                print(_admit(state, doc, ns, create=False))
        save(state)
    elif verb == "create":
        dry = (opts.get("--dry-run") or [None])[-1] == "client"
        if pos[1:2] == ["namespace"] and len(pos) == 3:
            doc = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": pos[2]}}
        elif pos[1:3] == ["secret", "tls"] and len(pos) == 4:
            for flag in ("--cert", "--key"):
                path = (opts.get(flag) or [""])[-1]
                if not path or not Path(path).is_file():
                    fail("kubectl", f"error: open {path}: no such file or directory")
            doc = {"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls", "metadata": {"name": pos[3]}}
        else:
            fail("kubectl", f"shim: unsupported create {pos[1:]}", 2)
        if dry:
            if (opts.get("-o") or [""])[-1] != "yaml":
                fail("kubectl", "shim: --dry-run=client without -o yaml prints nothing to apply", 2)
            print(yaml.safe_dump(doc, sort_keys=False), end="")
            return
        print(_admit(state, doc, ns, create=True))
        save(state)
    elif verb == "get" and len(pos) >= 2:
        kinds = {"weightsandbiases": "WeightsAndBiases", "clusterissuer": "ClusterIssuer", "pods": "Pod"}
        kind = kinds.get(pos[1])
        if kind is None:
            fail("kubectl", f"shim: unsupported get {pos[1]}", 2)
        if kind == "ClusterIssuer":  # created by whoever installed cert-manager: assumed present
            print(f"NAME  READY\n{pos[2] if len(pos) > 2 else ''}  True")
            return
        if kind == "Pod":
            return
        if len(pos) > 2 and _key(kind, ns, pos[2]) not in state["objects"]:
            fail("kubectl", f'Error from server (NotFound): {pos[1]}.apps.wandb.com "{pos[2]}" not found')
        print(f"NAME    AGE\n{pos[2] if len(pos) > 2 else ''}   1s")
    elif verb == "rollout" and pos[1:2] == ["status"]:
        kind, _, name = pos[2].partition("/")
        if _key(kind.capitalize(), ns, name) not in state["objects"]:
            fail("kubectl", f'Error from server (NotFound): deployments.apps "{name}" not found')
        print(f'deployment "{name}" successfully rolled out')
    else:
        fail("kubectl", f"shim: unsupported kubectl {' '.join(argv)}", 2)


# -- helm ------------------------------------------------------------------------------------------


def _chart(state: dict, chart: str) -> None:
    if chart.startswith("oci://"):
        return
    repo, sep, _ = chart.partition("/")
    if not sep or repo not in state["repos"]:
        fail("helm", f'Error: repo {repo} not found (run "helm repo add {repo} URL" first)')


def helm(argv: list[str]) -> None:
    opts, pos = options(argv, {"-n", "--namespace", "-f", "--values", "--version", "--set"})
    state = cluster()
    for value in opts.get("--set", []):
        if not re.fullmatch(r"[\w.]+=\S+", value):
            fail("helm", f"Error: failed parsing --set data: {value!r}")
    if pos[:2] == ["repo", "add"] and len(pos) == 4:
        name, url = pos[2], pos[3]
        if state["repos"].get(name, url) != url:
            fail("helm", f"Error: repository name ({name}) already exists, please specify a different name")
        print(
            f'"{name}" {"already exists with the same configuration, skipping" if name in state["repos"] else "has been added to your repositories"}'
        )
        state["repos"][name] = url
    elif pos[:2] == ["repo", "update"]:
        for name in pos[2:]:
            if name not in state["repos"]:
                fail("helm", f"Error: no repositories found matching '{name}'")
        if not state["repos"]:
            fail("helm", "Error: no repositories found. You must add one before updating")
    elif pos[:1] == ["upgrade"] and "--install" in opts and len(pos) == 3:
        _chart(state, pos[2])
        ns = (opts.get("-n") or opts.get("--namespace") or ["default"])[-1]
        if "--create-namespace" in opts:
            state["objects"].setdefault(_key("Namespace", None, ns), {"kind": "Namespace", "metadata": {"name": ns}})
        elif ns != "default" and _key("Namespace", None, ns) not in state["objects"]:
            fail("helm", f'Error: create: failed to create: namespaces "{ns}" not found')
        for f in opts.get("-f", []) + opts.get("--values", []):
            yaml_docs("helm", f)
        if pos[2].rstrip("/").endswith("/operator") and "weightsandbiases" not in state["crds"]:
            state["crds"].append("weightsandbiases")
        print(f'Release "{pos[1]}" has been upgraded. Happy Helming!')
    elif pos[:2] == ["show", "chart"] and len(pos) == 3:
        _chart(state, pos[2])
        print(f"apiVersion: v2\nname: {pos[2].rsplit('/', 1)[-1]}\nappVersion: 1.20.0\nversion: 1.4.0")
    elif pos[:1] == ["template"] and len(pos) == 3:
        _chart(state, pos[2])
        files = opts.get("-f", []) + opts.get("--values", [])
        if not files:
            fail("helm", "shim: template without the bundle's values", 2)
        for f in files:
            yaml_docs("helm", f)
        print("        image: stand-in/image:tag")
    else:
        fail("helm", f"shim: unsupported helm {' '.join(argv)}", 2)
    save(state)


# -- docker, skopeo, aws, promtool ------------------------------------------------------------------


def _read_password(tool: str) -> None:
    if not sys.stdin.read().strip():
        fail(tool, "Error: Cannot perform an interactive login from a non TTY device (empty --password-stdin)")


def docker(argv: list[str]) -> None:
    opts, pos = options(argv, {"--username", "-u", "--project-name", "-p"})
    if pos[:1] == ["login"]:
        if "--password-stdin" not in opts or len(pos) != 2:
            fail("docker", "shim: login must read the password from stdin", 2)
        _read_password("docker")
        print("Login Succeeded")
    elif pos[:1] == ["compose"] and pos[1:2] in (["up"], ["down"]):
        compose = next((p for p in (Path("docker-compose.yaml"), Path("compose.yaml")) if p.is_file()), None)
        if compose is None:
            fail("docker", "no configuration file provided: not found")
        text = compose.read_text()
        env = {}
        if Path(".env").is_file():
            for line in Path(".env").read_text().splitlines():
                if line and not line.startswith("#") and "=" in line:
                    k, _, v = line.partition("=")
                    env[k] = v
        for name in sorted(set(re.findall(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)\}", text))):
            if not (os.environ.get(name) or env.get(name)):
                fail("docker", f'WARN[0000] The "{name}" variable is not set: compose would start W&B without it')
        doc = yaml.safe_load(text)
        for service in (doc.get("services") or {}).values():
            for volume in service.get("volumes") or []:
                source = volume.split(":")[0]
                if source.startswith(".") and not Path(source).exists():
                    fail(
                        "docker",
                        f"Error response from daemon: invalid mount config: bind source path does not exist: {Path(source).resolve()}",
                    )
        print(f"compose {pos[1]}: {', '.join(doc.get('services') or {})}")
    else:
        fail("docker", f"shim: unsupported docker {' '.join(argv)}", 2)


def skopeo(argv: list[str]) -> None:
    opts, pos = options(argv, {"--username", "--dest-creds"})
    if pos[:1] == ["login"]:
        _read_password("skopeo")
    elif pos[:1] == ["copy"] and len(pos) == 3 and all(p.startswith("docker://") for p in pos[1:]):
        pass
    else:
        fail("skopeo", f"shim: unsupported skopeo {' '.join(argv)}", 2)


def aws(argv: list[str]) -> None:
    opts, pos = options(argv, {"--endpoint-url", "--bucket", "--cors-configuration"})
    if pos != ["s3api", "put-bucket-cors"] or not opts.get("--bucket"):
        fail("aws", f"shim: unsupported aws {' '.join(argv)}", 2)
    conf = (opts.get("--cors-configuration") or [""])[-1]
    path = Path(conf.removeprefix("file://"))
    if not conf.startswith("file://") or not path.is_file():
        fail("aws", f"Error parsing parameter '--cors-configuration': Unable to load paramfile {conf}")
    if "CORSRules" not in json.loads(path.read_text()):
        fail("aws", "Parameter validation failed: Missing required parameter: CORSRules")


def promtool(argv: list[str]) -> None:
    if argv[:2] != ["check", "rules"] or len(argv) < 3:
        fail("promtool", f"shim: unsupported promtool {' '.join(argv)}", 2)
    for f in argv[2:]:
        for doc in yaml_docs("promtool", f):
            if not doc.get("groups"):
                fail("promtool", f"{f}: no rule groups")


# -- systemd ---------------------------------------------------------------------------------------


def _unit(name: str) -> Path:
    path = Path("/etc/systemd/system") / name
    if not path.is_file():
        fail("systemctl", f"Failed to enable unit: Unit file {name} does not exist.")
    return path


def _run_service(name: str) -> None:
    cfg: dict[str, list[str]] = {}
    for line in _unit(name).read_text().splitlines():
        key, eq, value = line.partition("=")
        if eq and not line.startswith("#"):
            cfg.setdefault(key.strip(), []).append(value.strip())
    env = dict(os.environ)
    for item in cfg.get("Environment", []):
        k, _, v = item.partition("=")
        env[k] = v
    for cmd in cfg.get("ExecStart", []):
        args = shlex.split(cmd)
        shim = SHIMS / Path(args[0]).name
        if shim.exists():
            args[0] = str(shim)  # /usr/bin/docker on a real host: the stand-in here
        elif not Path(args[0]).is_file():
            fail("systemctl", f"{name}: ExecStart {args[0]} does not exist")
        r = subprocess.run(args, cwd=(cfg.get("WorkingDirectory") or ["/"])[-1], env=env, timeout=120)
        if r.returncode != 0:
            fail("systemctl", f"Job for {name} failed (ExecStart exited {r.returncode})")


def systemctl(argv: list[str]) -> None:
    opts, pos = options(argv, set())
    verb, units = (pos[0] if pos else ""), pos[1:]
    if verb == "daemon-reload":
        return
    if verb in ("enable", "start"):
        for unit in units:
            _unit(unit)
            if unit.endswith(".timer"):
                _unit(unit.removesuffix(".timer") + ".service")
            elif verb == "start" or "--now" in opts:
                _run_service(unit)
    elif verb in ("restart", "reload") and units and all("." not in u for u in units):
        pass  # the host's own services (mysql, prometheus): recorded
    elif verb == "restart" and units and all(u.endswith(".service") for u in units):
        for unit in units:  # the bundle's own units: the unit file must be installed; ExecStart runs again
            _unit(unit)
            _run_service(unit)
    else:
        fail("systemctl", f"shim: unsupported systemctl {' '.join(argv)}", 2)


# -- mysql, mysqldump -----------------------------------------------------------------------------

DROP_VALUE = {"-h", "--host", "-P", "--port", "-u", "--user", "--protocol"}
DROP_FLAG = ("-p", "--password", "--defaults-extra-file", "--defaults-file", "--no-defaults")


def mariadb_client(tool: str, argv: list[str]) -> None:
    real = {"mysql": "mariadb", "mysqldump": "mariadb-dump"}[tool]
    args, it = [], iter(argv)
    for arg in it:
        name = arg.split("=", 1)[0]
        if name in DROP_VALUE:
            if "=" not in arg:
                next(it, None)
        elif re.fullmatch(r"-[hPu].+", arg) or name in DROP_FLAG:
            pass
        else:
            args.append(arg.replace("SET PERSIST", "SET GLOBAL"))
    cmd = [real, "--no-defaults", f"--socket={os.environ['RUNBOOK_MYSQL_SOCKET']}", "--user=root", *args]
    stdin = None
    if tool == "mysql" and not sys.stdin.isatty():
        stdin = sys.stdin.read().replace("SET PERSIST", "SET GLOBAL")
    r = subprocess.run(cmd, input=stdin, text=True, timeout=120)
    sys.exit(r.returncode)


def wbsetup(argv: list[str]) -> None:
    opts, pos = options(argv, {"--step", "--out", "--archive", "--timeout", "--format"})
    if pos[:1] == ["render"]:  # the real one: it reads only files
        os.execv(os.environ["RUNBOOK_WBSETUP"], [os.environ["RUNBOOK_WBSETUP"], *argv])
    if pos[:1] == ["diff"]:  # the real one; exit 1 says "differs" (the information), 2 is an error
        code = subprocess.run([os.environ["RUNBOOK_WBSETUP"], *argv], stdout=subprocess.DEVNULL, timeout=300).returncode
        sys.exit(0 if code in (0, 1) else code)
    if pos[:1] not in (["validate"], ["verify"], ["drift"]) or len(pos) != 2:
        fail("wbsetup", f"shim: unsupported wbsetup {' '.join(argv)}", 2)
    from app.steps import STEPS  # (app.answers.load would take seconds per call on a loaded machine)

    doc = yaml_docs("wbsetup", pos[1])[0]
    if doc.get("schema") != 1 or not doc.get("profile"):
        fail("wbsetup", f"{pos[1]}: not an answers file (schema: 1, profile)", 2)
    for step in opts.get("--step", []):
        if step not in STEPS:
            fail("wbsetup", f"unknown step {step}", 2)


def sudo(argv: list[str]) -> None:
    env = dict(os.environ)
    args = [a for a in argv if a != "-E"]
    while args and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", args[0]):
        k, _, v = args.pop(0).partition("=")
        env[k] = v
    os.execvpe(args[0], args, env)


def main() -> None:
    tool, argv = Path(sys.argv[0]).name, sys.argv[1:]
    record(tool, argv)
    handlers = {
        "kubectl": kubectl,
        "helm": helm,
        "docker": docker,
        "skopeo": skopeo,
        "aws": aws,
        "promtool": promtool,
        "systemctl": systemctl,
        "sudo": sudo,
        "wbsetup": wbsetup,
    }
    if tool in ("mysql", "mysqldump"):
        mariadb_client(tool, argv)
    elif tool in handlers:
        handlers[tool](argv)
    elif tool in ("curl", "wandb", "journalctl"):
        pass  # no W&B and no journal here: recorded only
    else:
        fail(tool, "shim: no such stand-in", 2)


if __name__ == "__main__":
    main()
