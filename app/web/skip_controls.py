"""Skips the page itself can resolve point to the control that resolves them, not to a CLI command.

Without node reports the `deploy.node.*` checks say "run `wbsetup probe --node …`"; in the wizard the
deploy step has a "Probe an application node" button for that. Without a kubeconfig the cluster checks
(and `verify.rollout`) say "provide deploy.kubeconfig"; the deploy step has that field. Without an API
key the Verify page's login and version checks say "input missing: verify.api_key"; that page has the
field. The CLI and the reports keep the checks' own messages.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.checks._kube import NO_KUBECONFIG
from app.checks.deploy_nodes import NO_REPORTS
from app.i18n.message import N_


@dataclass(frozen=True)
class Control:
    kind: str  # "node-probe" | "kubeconfig" | "api-key"
    text: str  # what is missing (fixed text, translated by the template)
    label: str  # the link's text: the control's own label
    href: str


def skip_control(row, profile: str) -> Control | None:
    """The control (on the deploy or Verify page) that resolves `row`'s skip, or None."""
    result = getattr(row, "result", None)
    if not result or row.status != "skip":
        return None
    message = str(result.get("message") or "")
    if message == NO_REPORTS or message.startswith((N_("no app node reported"), N_("no client node reported"))):
        return Control(
            "node-probe",
            N_("No node report yet."),
            N_("Probe an application node"),
            f"/p/{profile}/deploy#node-probe-app",
        )
    if NO_KUBECONFIG.split(":", 1)[0] in message:  # "no kubeconfig", also in a dependant's "was skipped (…)"
        return Control(
            "kubeconfig",
            N_("No kubeconfig yet."),
            N_("Paste it into the kubeconfig field"),
            f"/p/{profile}/deploy#f-deploy-kubeconfig",
        )
    if "input missing: verify.api_key" in message:  # also in verify.version's "was skipped (…)"
        return Control(
            "api-key",
            N_("No API key yet."),
            N_("Enter it in the API key field"),
            f"/p/{profile}/verify#f-verify-api_key",
        )
    return None
