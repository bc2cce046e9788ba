"""Images and the private registry (SPEC §2 `deploy.registry`, §6 `images.txt`, "Air-gapped").

The rule that maps an image reference through `deploy.registry` is app/artifacts/mirror.py (the
artifacts take their images from there); this module reads the built artifacts for the images they
pull (`images.txt`, the `deploy.images` check, the runbook) and applies the registry to W&B's operator
chart, which does the same with `global.repositoryPrefix` (its own components, wandb-base
`_containers.tpl`) and `global.imageRegistry` (the bundled bitnami Redis), which `chart_values` sets.
"""

from __future__ import annotations

from app.answers import Answers
from app.artifacts.compose import compose_document
from app.artifacts.kubernetes import kubernetes_docs
from app.artifacts.mirror import NGINX_IMAGE, chart_path, mirror, source_image

OPERATOR_IMAGE = "wandb/controller"  # the W&B operator (wandb/helm-charts charts/operator: image.repository)
PUBLIC_CHART_REPO = "https://charts.wandb.ai"  # where the operator fetches operator-wandb by default


def _pod_images(doc: dict) -> list[str]:
    spec = doc.get("spec") or {}
    pod = (spec.get("template") or {}).get("spec") or {}
    return [c["image"] for c in (pod.get("containers") or []) + (pod.get("initContainers") or []) if c.get("image")]


def bundle_images(answers: Answers) -> list[tuple[str, str]]:
    """(public source, image) for every image the kubernetes and compose artifacts pull, sorted by
    image. Read from the built documents, so an image added to either artifact is listed (and
    mirrored, or a test fails). `answers` is the masked copy (app.artifacts.redact.mask)."""
    d = answers.deploy
    used = {image for doc in kubernetes_docs(answers) for image in _pod_images(doc)}
    used |= {svc["image"] for svc in compose_document(answers)["services"].values() if svc.get("image")}
    known = {mirror(src, d.registry): src for src in (f"{d.image}:{d.version or 'latest'}", NGINX_IMAGE)}
    return [(source_image(known.get(image) or chart_path(image, d.registry)), image) for image in sorted(used)]


def images_txt(answers: Answers) -> str:
    """images.txt: one image a line, registry applied (what `deploy.images` asks the registry for)."""
    return "\n".join(image for _, image in bundle_images(answers)) + "\n"


def chart_values(answers: Answers, values: dict) -> dict:
    """operator-wandb values with the registry and the app image applied (returns `values`).

    The chart prefixes every W&B component's `image.repository` with `global.repositoryPrefix` and
    bitnami Redis takes `global.imageRegistry` as its registry (verified with `helm template` on
    operator-wandb 0.43.8; tests/test_airgap_helm.py). `app.image` carries deploy.image:version."""
    d = answers.deploy
    glob = values.setdefault("global", {})
    if d.registry:
        glob["repositoryPrefix"] = d.registry
        glob["imageRegistry"] = d.registry
    app = values.setdefault("app", {})
    app["image"] = {**app.get("image", {}), "repository": chart_path(d.image, d.registry), "tag": d.version or "latest"}
    return values


def chart_spec(answers: Answers) -> dict | None:
    """The CR's spec.chart (url, name, version) for an internal Helm repository, or None: without it
    the operator downloads operator-wandb from the internet."""
    d = answers.deploy
    if not d.chart_repo and not d.chart_version:
        return None
    spec = {"url": d.chart_repo or PUBLIC_CHART_REPO, "name": "operator-wandb"}
    if d.chart_version:
        spec["version"] = d.chart_version
    return spec


def runbook_context(answers: Answers) -> dict:
    """What the runbook's air-gapped section needs (templates/artifacts/_airgap.*.md.j2)."""
    from app.artifacts.redact import mask  # the image list needs no secret

    d = answers.deploy
    return {
        "registry": d.registry or "",
        "chart": chart_spec(answers) or {},
        "chart_repo": d.chart_repo or "",
        "chart_version": d.chart_version or "",
        "pairs": [{"source": s, "target": t} for s, t in bundle_images(mask(answers, redact=True))],
        "controller": mirror(OPERATOR_IMAGE, d.registry),
    }
