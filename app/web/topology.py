"""The review page's topology picture: inline SVG built on the server as data, coloured by check
status (with the status also written as text and icon, never colour alone)."""

from __future__ import annotations

from xml.etree import ElementTree as ET

from app.answers import Answers
from app.checks.engine import worst
from app.web.templating import ICONS

# box id → (label, check id prefixes that colour it)
BOXES = {
    "clients": ("Browsers and training nodes", ()),
    "ingress": ("Load balancer / ingress (TLS)", ("tls.",)),
    "app": ("W&B application", ("hardware.app.", "deploy.")),
    "mysql": ("MySQL", ("database.", "hardware.database.")),
    "store": ("Object store", ("object_store.",)),
}
LAYOUT = {"clients": (20, 20), "ingress": (20, 140), "app": (20, 260), "mysql": (20, 380), "store": (380, 380)}
W, H = 320, 84


def _status(prefixes, rows_by_step) -> str:
    statuses = [r.status for rows in rows_by_step.values() for r in rows
                if any(r.id.startswith(p) for p in prefixes) and r.status not in ("never", "pending", "skip")]
    return worst(statuses) or "unknown"


def _subtitle(box: str, answers: Answers) -> str:
    a = answers
    return {
        "clients": "presigned URLs go straight to the store",
        "ingress": f"{a.host or 'host not set'} · {a.tls.mode}",
        "app": f"{a.deploy.target} · {a.deploy.replicas} replica(s) · {a.deploy.image}:{a.deploy.version or '?'}",
        "mysql": f"{a.database.host or 'not set'}:{a.database.port}/{a.database.name}",
        "store": f"{a.object_store.endpoint or 'not set'}/{a.object_store.bucket or '?'}",
    }[box]


def topology_svg(answers: Answers, rows_by_step: dict) -> str:
    svg = ET.Element("svg", xmlns="http://www.w3.org/2000/svg", viewBox="0 0 720 484", role="img",
                     **{"aria-labelledby": "topo-title", "class": "topology"})
    ET.SubElement(svg, "title", id="topo-title").text = "Planned deployment, coloured by check status"
    defs = ET.SubElement(svg, "defs")
    marker = ET.SubElement(defs, "marker", id="arrow", viewBox="0 0 10 10", refX="10", refY="5",
                           markerWidth="8", markerHeight="8", orient="auto-start-reverse")
    ET.SubElement(marker, "path", d="M 0 0 L 10 5 L 0 10 z", **{"class": "topo-arrowhead"})
    for a, b in (("clients", "ingress"), ("ingress", "app"), ("app", "mysql"), ("app", "store"), ("clients", "store")):
        (x1, y1), (x2, y2) = LAYOUT[a], LAYOUT[b]
        if b == "store" and a == "clients":
            line = dict(x1=str(x1 + W), y1=str(y1 + H / 2), x2=str(x2 + W / 2), y2=str(y2))
        elif b == "store":
            line = dict(x1=str(x1 + W), y1=str(y1 + H / 2), x2=str(x2), y2=str(y2 + H / 2))
        else:
            line = dict(x1=str(x1 + W / 2), y1=str(y1 + H), x2=str(x2 + W / 2), y2=str(y2))
        ET.SubElement(svg, "line", **line, **{"class": "topo-edge", "marker-end": "url(#arrow)"})
    for box, (label, prefixes) in BOXES.items():
        x, y = LAYOUT[box]
        status = _status(prefixes, rows_by_step) if prefixes else "unknown"
        g = ET.SubElement(svg, "g", **{"class": f"topo-box status-{status}", "data-box": box,
                                       "data-status": status})
        ET.SubElement(g, "rect", x=str(x), y=str(y), width=str(W), height=str(H), rx="8")
        icon = ICONS.get(status, "?")
        ET.SubElement(g, "text", x=str(x + 12), y=str(y + 26), **{"class": "topo-label"}).text = f"{icon} {label}"
        ET.SubElement(g, "text", x=str(x + 12), y=str(y + 48), **{"class": "topo-sub"}).text = \
            _subtitle(box, answers)[:44]
        if prefixes:
            ET.SubElement(g, "text", x=str(x + 12), y=str(y + 70), **{"class": "topo-status"}).text = \
                f"checks: {status}"
    return ET.tostring(svg, encoding="unicode")
