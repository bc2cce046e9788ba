"""Node checks `deploy.node.*` (SPEC §4.5 "The nodes, measured from the nodes").

Judged from `ctx.node_reports` (node reports, validated by app.probe.reports), never measured from the
wizard host: the wizard often sits on another network than the nodes that will run W&B.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from app.checks.engine import Context, Outcome, check, fail, passed, skip, warn
from app.probe.reports import published_ports

NO_REPORTS = ("no node reports: on each node run `wbsetup probe --node answers.yaml [--role client] > NODE.json`, "
              "then `wbsetup validate answers.yaml --node-report NODE.json`")
DOCKER_INSTALL = ("Install Docker Engine and the Compose plugin from download.docker.com: "
                  "apt-get install docker-ce docker-ce-cli containerd.io docker-compose-plugin")


NAMED = 10  # nodes named in a message or kept in `observed`: results stay small with 1,000 nodes


def _first(items: list) -> list:
    """At most NAMED items, then "and K more": a message names failing nodes but does not grow with the fleet."""
    if len(items) <= NAMED:
        return items
    from app.i18n.message import msg  # here, not at the top: app.i18n loads the web stack (CLI start-up)

    return items[:NAMED] + [msg("and %(count)s more", count=len(items) - NAMED)]


def _observed(per_node: dict, failing) -> dict:
    """`observed` of a node check: every node's value for a small fleet; beyond NAMED nodes a summary
    (node count, how many fail, the first failing nodes' values). The node reports keep the details."""
    if len(per_node) <= NAMED:
        return per_node
    bad = set(failing)
    failing = [n for n in per_node if n in bad]
    shown = failing[:NAMED] or list(per_node)[:NAMED]
    return {"nodes": len(per_node), "failing": len(failing), "first": {n: per_node[n] for n in shown}}


def _reports(ctx: Context, role: str | None = None) -> list[dict] | Outcome:
    if not ctx.node_reports:
        return skip(NO_REPORTS)
    chosen = [r for r in ctx.node_reports if role is None or r["role"] == role]
    if not chosen:
        return skip(f"no {role} node reported: run `wbsetup probe --node answers.yaml --role {role}` on one")
    return chosen


def _version(text: str | None) -> tuple[int, ...] | None:
    m = re.match(r"^v?(\d+)\.(\d+)(?:\.(\d+))?", str(text or ""))
    return tuple(int(x or 0) for x in m.groups()) if m else None


def _need(text: str) -> tuple[int, ...]:
    return _version(text) or (0,)


@check("deploy.node.database", "Nodes: reach the database", needs=["database.host"])
def node_database(ctx: Context) -> Outcome:
    reports = _reports(ctx, "app")
    if isinstance(reports, Outcome):
        return reports
    db = ctx.answers.database
    bad = [f"{r['node']}: {r['reach']['database'].get('error') or 'not reached'}"
           for r in reports if not r["reach"]["database"]["ok"]]
    observed = {r["node"]: r["reach"]["database"]["ok"] for r in reports}
    observed = _observed(observed, [n for n, ok in observed.items() if not ok])
    bad = _first(bad)
    if not bad:
        return passed(f"{len(reports)} app node(s) reach {db.host}:{db.port}", observed=observed)
    return fail(f"cannot reach the database {db.host}:{db.port} from {'; '.join(bad)}",
                f"Allow TCP {db.port} inbound on {db.host} from the app nodes (firewall: "
                f"ufw allow proto tcp from APP_NODE_IP to any port {db.port}) and check MySQL's bind-address",
                observed=observed)


@check("deploy.node.object_store", "Nodes: reach the object store", needs=["object_store.endpoint"])
def node_object_store(ctx: Context) -> Outcome:
    reports = _reports(ctx)
    if isinstance(reports, Outcome):
        return reports
    url = urlsplit(ctx.answers.object_store.endpoint)
    port = url.port or (443 if url.scheme == "https" else 80)
    observed = {r["node"]: (r["reach"]["object_store"].get("tls") if r["reach"]["object_store"]["ok"] else "unreachable")
                for r in reports}
    unreachable = [f"{r['node']} ({r['reach']['object_store'].get('error') or 'not reached'})"
                   for r in reports if not r["reach"]["object_store"]["ok"]]
    untrusted = [n for n, tls in observed.items() if tls == "untrusted"]
    private = [n for n, tls in observed.items() if tls == "private-ca"]
    observed = _observed(observed, [n for n, tls in observed.items() if tls in ("unreachable", "untrusted", "private-ca")])
    unreachable, untrusted, private = _first(unreachable), _first(untrusted), _first(private)
    if unreachable:
        return fail(f"the object store {url.hostname}:{port} is unreachable from {'; '.join(unreachable)}",
                    f"Allow TCP {port} inbound to {url.hostname} from every node and client (presigned URLs send "
                    "training machines and browsers straight to the store)", observed=observed)
    if untrusted:
        return fail(f"the object store's certificate is not trusted on {', '.join(untrusted)}",
                    "Use a certificate from a CA the nodes trust (W&B does not support self-signed certificates), "
                    "or set object_store.ca_pem to the store's private CA", observed=observed)
    if private:
        return warn(f"the object store's certificate is trusted only through object_store.ca_pem on {', '.join(private)}",
                    "W&B then needs the CA too: set global.customCACerts (operator) or mount it into the container, "
                    "and install it in the trust store of every client", observed=observed)
    return passed(f"{len(reports)} node(s) reach {url.hostname}:{port}", observed=observed)


@check("deploy.node.host", "Nodes: resolve the W&B host", needs=["host"])
def node_host(ctx: Context) -> Outcome:
    reports = _reports(ctx)
    if isinstance(reports, Outcome):
        return reports
    name = urlsplit(ctx.answers.host).hostname
    observed = {r["node"]: r["reach"]["host"].get("addresses") or [] for r in reports}
    bad = [f"{r['node']} ({r['reach']['host'].get('error') or 'no address'})" for r in reports if not r["reach"]["host"]["ok"]]
    observed = _observed(observed, [r["node"] for r in reports if not r["reach"]["host"]["ok"]])
    bad = _first(bad)
    if not bad:
        return passed(f"{len(reports)} node(s) resolve {name}", observed=observed)
    return warn(f"{name} does not resolve on {'; '.join(bad)}",
                f"Add {name} to DNS (or to /etc/hosts on those nodes) pointing at the W&B load balancer",
                observed=observed)


def _compose_target(ctx: Context) -> Outcome | None:
    target = ctx.answers.deploy.target
    return None if target == "docker-compose" else skip(f"target {target}: Docker Compose is not used")


@check("deploy.node.docker", "Nodes: Docker Engine and Compose")
def node_docker(ctx: Context) -> Outcome:
    not_compose = _compose_target(ctx)
    reports = not_compose or _reports(ctx, "app")
    if isinstance(reports, Outcome):
        return reports
    need = ctx.req["nodes"]["docker"]
    expected = f"Docker Engine >= {need['engine']}, Compose v2 >= {need['compose_v2']} or docker-compose >= {need['compose_v1']}"
    problems, observed = [], {}
    for r in reports:
        engine, compose = r["docker"].get("engine"), r["docker"].get("compose")
        observed[r["node"]] = {"engine": engine, "compose": compose}
        e, c = _version(engine), _version(compose)
        if e is None:
            problems.append(f"{r['node']}: Docker Engine not found")
        elif e < _need(need["engine"]):
            problems.append(f"{r['node']}: Docker Engine {engine} < {need['engine']}")
        floor = need["compose_v1"] if c and c[0] == 1 else need["compose_v2"]
        if c is None:
            problems.append(f"{r['node']}: Docker Compose not found")
        elif c < _need(floor):
            problems.append(f"{r['node']}: Compose {compose} < {floor}")
    failing = {p.split(":", 1)[0] for p in problems}
    observed, problems = _observed(observed, [n for n in observed if n in failing]), _first(problems)
    if not problems:
        return passed(f"{len(reports)} app node(s) have Docker and Compose", observed=observed, expected=expected)
    return fail("; ".join(problems), DOCKER_INSTALL, observed=observed, expected=expected)


@check("deploy.node.ports", "Nodes: published ports are free")
def node_ports(ctx: Context) -> Outcome:
    not_compose = _compose_target(ctx)
    reports = not_compose or _reports(ctx, "app")
    if isinstance(reports, Outcome):
        return reports
    wanted = published_ports(ctx.answers)
    busy = [f"{r['node']} port {p}" for r in reports for p in wanted if p in r["ports_in_use"]]
    shown = ", ".join(map(str, wanted))
    if not busy:
        return passed(f"ports {shown} are free on {len(reports)} app node(s)", observed=[], expected=wanted)
    first = busy[0].rsplit(" ", 1)[1]
    busy = _first(busy)
    return fail(f"already in use: {', '.join(busy)}",
                f"Stop what listens there (ss -ltnp 'sport = :{first}' shows it) and allow TCP {shown} inbound "
                "in the node's firewall", observed=busy, expected=wanted)
