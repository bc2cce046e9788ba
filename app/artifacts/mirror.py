"""The private registry's rule for image references (SPEC §2 `deploy.registry`, "Air-gapped").

One rule maps every image reference through `deploy.registry`: the source registry host (Docker Hub
when none is written) is dropped and the rest of the path is placed under the registry prefix, so
`wandb/local:0.70.0` with `registry.acme.internal/mirror` becomes
`registry.acme.internal/mirror/wandb/local:0.70.0`. The artifacts (kubernetes, compose) take their
images from here; app/artifacts/images.py lists what they pull and sets the operator chart's values.
"""

from __future__ import annotations

from app.answers import Answers

NGINX_IMAGE = "nginx:1.27"  # pinned: a bundle should deploy the same thing tomorrow


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
