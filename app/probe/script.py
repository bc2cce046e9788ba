"""The node probe script the wizard serves (§4.1): POSIX sh + python3 stdlib only.

The script is generated, not maintained by hand: it embeds the source of app/probe/host.py (the same
measurement code `wbsetup probe` runs) plus `node_main` below, then calls `node_main` with the
wizard's URL, the one-time token and the role. With a token it POSTs
`{"token", "role", "node", "facts"}` to `{base_url}/probe/upload` (urllib, 10 s timeout); without a
token, or when the upload fails, it prints the JSON for pasting into the wizard.

Routes the wizard needs (the lead wires them; neither may require a session cookie or CSRF token —
the node has neither; the one-time token is the credential):
- GET  SCRIPT_PATH?token=T  → text/x-shellscript from `probe_script(base_url, T, role_of_T)`;
  serving it must NOT consume the token (curl may retry);
- POST UPLOAD_PATH          → `app.probe.tokens.parse_upload(body)`, look up `token_hash(token)`,
  `app.probe.tokens.token_problem(...)`, mark used, store `facts_to_section(role, facts)`;
  answer JSON `{"ok": true, "message": "..."}` (the script prints `message`).

Node reports (§4.5) use the same path: `node_script(base_url, token, targets, role)` embeds
app/probe/host.py and app/probe/node.py plus `node_report_main`, with the targets (app.probe.reports.targets) as an
ASCII-only Python literal; it POSTs `{"token", "report"}` to NODE_UPLOAD_PATH, or prints the report.
The wizard serves it at SCRIPT_PATH when the token's role is node-app or node-client.
"""

from __future__ import annotations

import ast
import inspect
import re
import shlex
from urllib.parse import quote, urlsplit

from app.probe import host as probe, node as node_probe

SCRIPT_PATH = "/probe/script"
UPLOAD_PATH = "/probe/upload"
NODE_UPLOAD_PATH = "/probe/node-upload"
ROLES = ("app", "database")
NODE_ROLES = ("app", "client")  # node reports (§4.5); their tokens' role is "node-" + role
HEREDOC = "WBSETUP_PROBE_EOF"  # delimiter of the embedded program; must not be a line of it
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,128}$")


def post_json(upload_url, payload, agent):
    """POST `payload` as JSON with a 10 s timeout (stdlib only, Python 3.6: embedded in the served programs):
    (the answer's body, None) on a 2xx answer, else (None, why in words)."""
    import json
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        upload_url,
        data=json.dumps(payload).encode("utf-8"),
        method="POST",
        headers={"Content-Type": "application/json", "User-Agent": agent},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.read(4096).decode("utf-8", "replace"), None
    except urllib.error.HTTPError as exc:
        detail = exc.read(500).decode("utf-8", "replace").strip()
        return None, "HTTP {} {}".format(exc.code, detail or exc.reason)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return None, str(getattr(exc, "reason", None) or exc)


def node_main(upload_url, token, role, disk_seconds=2.0):
    """Entry point of the served program (runs on the node, so stdlib only, Python 3.6 syntax):
    measure, then upload with the token, or print the JSON for pasting. Exit status 0 either way
    unless the upload was attempted and failed (3) — the JSON is printed in that case too."""
    import json
    import socket
    import sys

    facts = measure(disk_seconds=disk_seconds)  # type: ignore[name-defined]  # noqa: F821 — defined by the embedded app/probe/host.py
    payload = {"token": token, "role": role, "node": socket.gethostname(), "facts": dict(facts)}
    sys.stderr.write(describe(facts) + "\n\n")  # type: ignore[name-defined]  # noqa: F821 — likewise
    if token:
        body, reason = post_json(upload_url, payload, "wbsetup-probe")
        if body is not None:
            try:
                message = json.loads(body).get("message") or "accepted"
            except (ValueError, AttributeError):
                message = "accepted"
            sys.stderr.write("Uploaded to {}: {}\n".format(upload_url, message))
            return 0
        sys.stderr.write(
            "Upload to {} failed: {}\nPaste this JSON into the wizard instead:\n".format(upload_url, reason)
        )
        payload["token"] = None  # a pasted report needs no credential; never show the token around
        print(json.dumps(payload, indent=2))
        return 3
    sys.stderr.write("Paste this JSON into the wizard:\n")
    print(json.dumps(payload, indent=2))
    return 0


def probe_program(base_url: str, token: str | None, role: str, *, disk_seconds: float = 2.0) -> str:
    """The Python program (stdlib only) the node runs: app/probe/host.py + node_main + the call."""
    _validate(base_url, token, role)
    if not 0 < disk_seconds <= 30:
        raise ValueError("disk_seconds must be between 0 and 30")
    source = "\n".join(
        [
            "# wbsetup node probe — generated from app/probe/host.py; measures this host and reports to the wizard.",
            inspect.getsource(probe),
            inspect.getsource(post_json),
            inspect.getsource(node_main),
            "raise SystemExit(node_main({!r}, {!r}, {!r}, {!r}))".format(
                base_url.rstrip("/") + UPLOAD_PATH, token, role, float(disk_seconds)
            ),
            "",
        ]
    )
    if HEREDOC in source.splitlines():
        raise RuntimeError(f"the probe source contains the heredoc delimiter {HEREDOC}")
    return source


def probe_script(base_url: str, token: str | None, role: str, *, disk_seconds: float = 2.0) -> str:
    """The POSIX sh script served at SCRIPT_PATH (`curl -fsS URL | sh`)."""
    return _sh_script(
        probe_program(base_url, token, role, disk_seconds=disk_seconds),
        [
            "# wbsetup hardware probe: needs only sh and python3 (standard library); installs nothing.",
            f"# It measures this node and {'uploads the result to ' + base_url if token else 'prints JSON'}"
            f" as the {role} role; the temp file it writes to measure the disk is removed.",
        ],
        "wbsetup probe: python3 is required (install it, or enter the values by hand)",
    )


def _sh_script(program: str, comments: list[str], missing_python: str) -> str:
    """`program` run by the node's python3 from a quoted heredoc, after a check that python3 exists."""
    return "\n".join(
        [
            "#!/bin/sh",
            *comments,
            "set -eu",
            "if ! command -v python3 >/dev/null 2>&1; then",
            f'  echo "{missing_python}" >&2',
            "  exit 1",
            "fi",
            f"exec python3 - <<'{HEREDOC}'",
            program.rstrip("\n"),
            HEREDOC,
            "",
        ]
    )


def script_url(base_url: str, token: str) -> str:
    """Where the wizard serves the script for `token`."""
    _validate(base_url, token, "app")
    return f"{base_url.rstrip('/')}{SCRIPT_PATH}?token={quote(token, safe='')}"


def usage(base_url: str, token: str, role: str) -> dict[str, str]:
    """The commands the UI shows: `online` (curl | sh, uploads with the token) and `airgapped`
    (a copy-paste heredoc that prints JSON to paste back; no network needed)."""
    return {
        "online": f"curl -fsS {shlex.quote(script_url(base_url, token))} | sh",
        "airgapped": f"python3 - <<'{HEREDOC}'\n{probe_program(base_url, None, role).rstrip()}\n{HEREDOC}\n",
    }


# --- node reports (§4.5): the same one-line probe for the deploy step ------------------------
def node_report_main(upload_url, token, targets, role, timeout=3.0, disk_seconds=2.0):
    """Entry point of the served node report program (runs on the node: stdlib only): measure what
    the deployment needs of this node, then POST {"token", "report"} to the wizard, or print the
    report for pasting. Exit status 0, or 3 when the upload was attempted and failed (the report is
    printed then too). WBSETUP_NODE_NAME overrides the host name as the node's name."""
    import json
    import os
    import sys

    report = measure_node(  # type: ignore[name-defined]  # noqa: F821 — embedded app/probe/node.py
        targets,
        role,
        os.environ.get("WBSETUP_NODE_NAME") or None,
        timeout,
        disk_seconds,
    )
    for key, item in sorted(report["reach"].items()):
        state = "ok" if item["ok"] else "NOT OK: {}".format(item["error"])
        sys.stderr.write("{:<13} {:<40} {}\n".format(key, str(item["target"]), state))
    sys.stderr.write(
        "{:<13} engine {} / compose {}\n\n".format(
            "docker", report["docker"]["engine"] or "none", report["docker"]["compose"] or "none"
        )
    )
    if token:
        body, reason = post_json(upload_url, {"token": token, "report": report}, "wbsetup-node-probe")
        if body is not None:
            try:  # only the wizard's own answer counts (a proxy or login page is not an acceptance)
                answer = json.loads(body)
            except ValueError:
                answer = None
            if isinstance(answer, dict) and answer.get("ok") is True:
                sys.stderr.write("Uploaded to {}: {}\n".format(upload_url, answer.get("message") or "accepted"))
                return 0
            reason = "the answer was not the wizard's acknowledgement: {}".format(body[:200].strip())
        sys.stderr.write(
            "Upload to {} failed: {}\nUpload this node report in the wizard instead:\n".format(upload_url, reason)
        )
        print(json.dumps(report, indent=2))  # the report only: the token is never printed
        return 3
    sys.stderr.write("Upload this node report in the wizard (deploy step, Node reports):\n")
    print(json.dumps(report, indent=2))
    return 0


def _literal(targets: dict) -> str:
    """`targets` as an ASCII-only Python literal (no newline, no quote can end it early: repr escapes
    them); refused unless it reads back as exactly the same value."""
    text = ascii(targets)
    try:
        same = ast.literal_eval(text) == targets
    except (ValueError, SyntaxError):
        same = False
    if not same or "\n" in text:
        raise ValueError("targets must be plain data (dicts, strings, integers, None)")
    return text


def node_program(
    base_url: str, token: str | None, targets: dict, role: str, *, timeout: float = 3.0, disk_seconds: float = 2.0
) -> str:
    """The Python program (stdlib only) that measures a node report: app/probe/host.py +
    app/probe/node.py + node_report_main + the call with the embedded `targets`."""
    _validate(base_url, token, role, NODE_ROLES)
    if not 0 < disk_seconds <= 30 or not 0 < timeout <= 30:
        raise ValueError("disk_seconds and timeout must be between 0 and 30")
    parts = [inspect.getsource(probe), inspect.getsource(node_probe)]
    clash = _top_names(parts[0]) & _top_names(parts[1])
    if clash:  # both land in one namespace: a shared name would silently replace the other
        raise RuntimeError(f"app/probe/host.py and app/probe/node.py both define {sorted(clash)}")
    source = "\n".join(
        [
            "# wbsetup node report probe — generated from app/probe/host.py and app/probe/node.py; measures what",
            "# the W&B deployment needs of this node and reports to the wizard.",
            *parts,
            inspect.getsource(post_json),
            inspect.getsource(node_report_main),
            "raise SystemExit(node_report_main({!r}, {!r}, {}, {!r}, {!r}, {!r}))".format(
                base_url.rstrip("/") + NODE_UPLOAD_PATH,
                token,
                _literal(targets),
                role,
                float(timeout),
                float(disk_seconds),
            ),
            "",
        ]
    )
    if HEREDOC in source.splitlines():
        raise RuntimeError(f"the probe source contains the heredoc delimiter {HEREDOC}")
    return source


def _top_names(source: str) -> set[str]:
    names = set()
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(n.id for t in node.targets for n in ast.walk(t) if isinstance(n, ast.Name))
    return names - {"__doc__"}


def node_script(
    base_url: str, token: str | None, targets: dict, role: str, *, timeout: float = 3.0, disk_seconds: float = 2.0
) -> str:
    """The POSIX sh script served at SCRIPT_PATH for a node-report token (`curl -fsS URL | sh`)."""
    return _sh_script(
        node_program(base_url, token, targets, role, timeout=timeout, disk_seconds=disk_seconds),
        [
            "# wbsetup node probe: needs only sh and python3 (standard library); installs nothing.",
            f"# It measures what W&B needs of this {'application node' if role == 'app' else 'client machine'}"
            f" and {'uploads the node report to ' + base_url if token else 'prints the node report'};",
            "# the temp file it writes to measure the disk is removed.",
        ],
        "wbsetup node probe: python3 is required (install it, or run wbsetup probe --node)",
    )


def node_usage(base_url: str, token: str, targets: dict, role: str) -> dict[str, str]:
    """The commands the deploy step shows: `online` (curl | sh, uploads with the token) and
    `airgapped` (a heredoc that prints the report to upload by hand; no token inside)."""
    return {
        "online": f"curl -fsS {shlex.quote(script_url(base_url, token))} | sh",
        "airgapped": f"python3 - <<'{HEREDOC}'\n{node_program(base_url, None, targets, role).rstrip()}\n{HEREDOC}\n",
    }


def _validate(base_url: str, token: str | None, role: str, roles: tuple[str, ...] = ROLES) -> None:
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ValueError(f"base_url must be an http(s) URL without query or fragment, not {base_url!r}")
    if any(c.isspace() or c in "'\"\\`$" for c in base_url):
        raise ValueError("base_url must not contain spaces, quotes, backslashes, backticks or $")
    if token is not None and not _TOKEN_RE.match(token):
        raise ValueError("token must be a URL-safe token (app.probe.tokens.new_token())")
    if role not in roles:
        raise ValueError(f"role must be one of {', '.join(roles)}, not {role!r}")
