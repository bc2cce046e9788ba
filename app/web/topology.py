"""The review page's topology picture: inline SVG built on the server as data, coloured by check
status (with the status also written as text and icon, never colour alone)."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from xml.etree import ElementTree as ET

from app.answers import Answers
from app.checks.engine import worst
from app.facts.node_report import node_ok
from app.i18n.message import N_, Text, msg, nmsg
from app.web.templating import ICONS

# box id → (label, check id prefixes that colour it)
BOXES = {
    "clients": (N_("Browsers and training nodes"), ()),
    "ingress": (N_("Load balancer / ingress (TLS)"), ("tls.",)),
    "app": (
        N_("W&B application"),
        ("hardware.app.", "deploy.version", "deploy.resources", "deploy.artifacts", "deploy.replicas"),
    ),
    "mysql": ("MySQL", ("database.", "hardware.database.")),
    "store": (N_("Object store"), ("object_store.",)),
    "cluster": (N_("Kubernetes cluster"), ("deploy.cluster.",)),
    "nodes": (N_("Measured nodes"), ("deploy.node.",)),
    "backups": (N_("MySQL backups"), ()),
    "registry": (N_("Image registry"), ("deploy.images",)),
}
LAYOUT = {
    "clients": (20, 20),
    "ingress": (20, 140),
    "app": (20, 260),
    "mysql": (20, 380),
    "store": (380, 380),
    "cluster": (380, 140),
    "nodes": (380, 260),
    "backups": (20, 500),
    "registry": (380, 500),
}
W, H = 320, 84


def _status(prefixes, rows_by_step) -> str:
    statuses = [
        r.status
        for rows in rows_by_step.values()
        for r in rows
        if any(r.id.startswith(p) for p in prefixes) and r.status not in ("never", "pending", "skip")
    ]
    return worst(statuses) or "unknown"


SHOWN_NODES = 3  # nodes named in the box; more are summarised ("1000 nodes, all reachable: ✔ gpu-1 …")


def _subtitle(box: str, answers: Answers, reports: list[dict], fleet=None) -> Text:
    a = answers
    if box == "nodes":
        if not reports:
            return N_("none yet: wbsetup probe --node")
        text = " ".join(f"{'✔' if node_ok(r) else '✖'} {r.get('node')}" for r in reports[:SHOWN_NODES])
        total = fleet.total if fleet is not None else len(reports)
        if total <= SHOWN_NODES:
            return text
        # A fleet: the count first (the box is 44 columns wide), then the first nodes (failing first).
        failing = fleet.failing if fleet is not None else sum(not node_ok(r) for r in reports)
        if failing:
            return nmsg(
                "%(n)s node, %(failing)s with problems: %(nodes)s",
                "%(n)s nodes, %(failing)s with problems: %(nodes)s",
                total,
                failing=failing,
                nodes=text,
            )
        return nmsg("%(n)s node, reachable: %(nodes)s", "%(n)s nodes, all reachable: %(nodes)s", total, nodes=text)
    if box == "cluster":
        return (
            msg(
                "namespace %(namespace)s · ingress %(ingress_class)s",
                namespace=a.deploy.namespace,
                ingress_class=a.deploy.ingress_class,
            )
            if a.deploy.target != "docker-compose"
            else N_("not used (docker-compose target)")
        )
    if box == "registry":
        return a.deploy.registry or N_("public registries (needs the internet)")
    if box == "backups":
        return a.operations.backup_dir
    subtitles: dict[str, Text] = {
        "clients": N_("presigned URLs go straight to the store"),
        "ingress": msg("%(host)s · %(mode)s", host=a.host or msg("host not set"), mode=a.tls.mode),
        "app": f"{a.deploy.target} · {a.deploy.replicas} replica(s) · {a.deploy.image}:{a.deploy.version or '?'}",
        "mysql": msg(
            "%(host)s:%(port)s/%(name)s",
            host=a.database.host or msg("not set"),
            port=a.database.port,
            name=a.database.name,
        ),
        "store": msg(
            "%(endpoint)s/%(bucket)s",
            endpoint=a.object_store.endpoint or msg("not set"),
            bucket=a.object_store.bucket or "?",
        ),
    }
    return subtitles[box]


def _fit(text: str, width: int = 44) -> str:
    """At most `width` columns of the box (a Hangul syllable takes two)."""
    out: list[str] = []
    used = 0
    for ch in text:
        used += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
        if used > width:
            return "".join(out).rstrip() + "…"
        out.append(ch)
    return text


def topology_svg(
    answers: Answers,
    rows_by_step: dict,
    reports: list[dict] | None = None,
    tr: Callable[[Text], str] = str,
    fleet=None,
) -> str:
    """The picture; `tr` puts its texts into the reader's language (app.i18n.message_translator: a message
    as its translated template with the values as they are). `reports`: node reports, failing first;
    `fleet` (Store.node_fleet) counts the ones not passed."""
    reports = reports or []
    svg = ET.Element(
        "svg",
        xmlns="http://www.w3.org/2000/svg",
        viewBox="0 0 730 604",
        role="img",
        **{"aria-labelledby": "topo-title", "class": "topology"},  # type: ignore[arg-type]  # typeshed: mypy thinks **{...} may fill `attrib`
    )
    ET.SubElement(svg, "title", id="topo-title").text = tr(N_("Planned deployment, coloured by check status"))
    defs = ET.SubElement(svg, "defs")
    marker = ET.SubElement(
        defs,
        "marker",
        id="arrow",
        viewBox="0 0 10 10",
        refX="10",
        refY="5",
        markerWidth="8",
        markerHeight="8",
        orient="auto-start-reverse",
    )
    ET.SubElement(marker, "path", d="M 0 0 L 10 5 L 0 10 z", **{"class": "topo-arrowhead"})  # type: ignore[arg-type]  # as above (attrib)
    for a, b in (
        ("clients", "ingress"),
        ("ingress", "app"),
        ("app", "mysql"),
        ("app", "store"),
        ("clients", "store"),
        ("mysql", "backups"),
    ):
        if b == "store" and a == "clients":
            continue  # drawn below, around the right-hand column
        (x1, y1), (x2, y2) = LAYOUT[a], LAYOUT[b]
        if b == "store":
            line = dict(x1=str(x1 + W), y1=str(y1 + H / 2), x2=str(x2), y2=str(y2 + H / 2))
        else:
            line = dict(x1=str(x1 + W / 2), y1=str(y1 + H), x2=str(x2 + W / 2), y2=str(y2))
        ET.SubElement(svg, "line", **line, **{"class": "topo-edge", "marker-end": "url(#arrow)"})  # type: ignore[arg-type]  # as above (attrib)
    # Presigned URLs: browsers and training nodes go straight to the store, around the right column.
    (cx, cy), (sx, sy) = LAYOUT["clients"], LAYOUT["store"]
    ET.SubElement(
        svg,
        "path",
        d=f"M {cx + W} {cy + H / 2} L {sx + W + 12} {cy + H / 2} L {sx + W + 12} {sy + H / 2} L {sx + W} {sy + H / 2}",
        **{"class": "topo-edge topo-direct", "fill": "none", "marker-end": "url(#arrow)"},  # type: ignore[arg-type]  # as above (attrib)
    )
    for box, (label, prefixes) in BOXES.items():
        x, y = LAYOUT[box]
        status = _status(prefixes, rows_by_step) if prefixes else "unknown"
        g = ET.SubElement(
            svg,
            "g",
            **{
                "class": f"topo-box status-{status}",
                "data-box": box,  # type: ignore[arg-type]  # as above (attrib)
                "data-status": status,
            },
        )
        ET.SubElement(g, "rect", x=str(x), y=str(y), width=str(W), height=str(H), rx="8")
        icon = ICONS.get(status, "?")
        ET.SubElement(g, "text", x=str(x + 12), y=str(y + 26), **{"class": "topo-label"}).text = f"{icon} {tr(label)}"  # type: ignore[arg-type]  # as above (attrib)
        ET.SubElement(g, "text", x=str(x + 12), y=str(y + 48), **{"class": "topo-sub"}).text = (  # type: ignore[arg-type]  # as above (attrib)
            _fit(tr(_subtitle(box, answers, reports, fleet)))
        )
        if prefixes:
            ET.SubElement(g, "text", x=str(x + 12), y=str(y + 70), **{"class": "topo-status"}).text = (  # type: ignore[arg-type]  # as above (attrib)
                tr(msg("status of its checks: %(status)s", status=msg(status)))
            )
        elif box == "backups":
            o = answers.operations
            ET.SubElement(g, "text", x=str(x + 12), y=str(y + 70), **{"class": "topo-status"}).text = _fit(  # type: ignore[arg-type]  # as above (attrib)
                tr(
                    msg(
                        "daily at %(hour)s:00, kept %(days)s days",
                        hour=f"{o.backup_hour:02d}",
                        days=o.backup_retention_days,
                    )
                )
            )
    return ET.tostring(svg, encoding="unicode")
