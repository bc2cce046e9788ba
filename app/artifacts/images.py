"""Images and the private registry (SPEC §2 `deploy.registry`, §6 `images.txt`, "Air-gapped").

One rule maps every image reference through `deploy.registry`: the source registry host (Docker Hub
when none is written) is dropped and the rest of the path is placed under the registry prefix, so
`wandb/local:0.70.0` with `registry.acme.internal/mirror` becomes
`registry.acme.internal/mirror/wandb/local:0.70.0`. W&B's operator chart does the same with
`global.repositoryPrefix` (its own components, wandb-base `_containers.tpl`) and
`global.imageRegistry` (the bundled bitnami Redis), which `chart_values` sets.
"""

from __future__ import annotations

from app.answers import Answers

NGINX_IMAGE = "nginx:1.27"  # pinned: a bundle should deploy the same thing tomorrow
OPERATOR_IMAGE = "wandb/controller"  # the W&B operator (wandb/helm-charts charts/operator: image.repository)
PUBLIC_CHART_REPO = "https://charts.wandb.ai"  # where the operator fetches operator-wandb by default


def _split_host(image: str) -> tuple[str | None, str]:
    """(registry host or None, path[:tag]) as Docker reads a reference: the first component is a
    host when it holds a `.` or `:` or is `localhost`."""
    first, sep, rest = image.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost"):
        return first, rest
    return None, image


def mirror(image: str, registry: str | None) -> str:
    """`image` as pulled from `registry` (unchanged without one, or when it already lives there)."""
    if not registry:
        return image
    registry = registry.rstrip("/")
    if image.startswith(registry + "/"):
        return image
    _, path = _split_host(image)
    return f"{registry}/{path}"


def chart_path(image: str, registry: str | None) -> str:
    """The repository to give the operator chart: without the registry, which the chart prefixes
    itself (`global.repositoryPrefix`)."""
    if registry and image.startswith(registry.rstrip("/") + "/"):
        return image[len(registry.rstrip("/")) + 1 :]
    return _split_host(image)[1] if registry else image


def app_image(answers: Answers) -> str:
    """The W&B image the kubernetes and compose artifacts run, registry applied."""
    d = answers.deploy
    return mirror(f"{d.image}:{d.version or 'latest'}", d.registry)


def nginx_image(answers: Answers) -> str:
    return mirror(NGINX_IMAGE, answers.deploy.registry)


def source_image(image: str) -> str:
    """A reference as `skopeo` names the public source (docker.io when no host is written)."""
    host, path = _split_host(image)
    return image if host else f"docker.io/{path}"


def _pod_images(doc: dict) -> list[str]:
    spec = doc.get("spec") or {}
    pod = (spec.get("template") or {}).get("spec") or {}
    return [c["image"] for c in (pod.get("containers") or []) + (pod.get("initContainers") or []) if c.get("image")]


def bundle_images(answers: Answers) -> list[tuple[str, str]]:
    """(public source, image) for every image the kubernetes and compose artifacts pull, sorted by
    image. Read from the built documents, so an image added to either artifact is listed (and
    mirrored, or a test fails). `answers` is the masked copy (app.artifacts.redact.mask)."""
    from app.artifacts.compose import compose_document
    from app.artifacts.kubernetes import kubernetes_docs

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
