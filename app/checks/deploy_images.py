"""`deploy.images` (SPEC §4.5): every image of the bundle's images.txt exists in `deploy.registry`.

Asked over the OCI distribution API: `HEAD /v2/<name>/manifests/<tag>` with the OCI and Docker
manifest media types (a registry answers 404 to a manifest type it was not asked for). HTTPS, except
a registry on a loopback address, spoken to over plain HTTP as Docker does for "insecure" loopback
registries. HEAD only: nothing is pulled, nothing written. No redirects are followed.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import quote

import httpx

from app.artifacts.images import bundle_images
from app.checks.engine import Context, Outcome, check, fail, passed, warn
from app.i18n.message import msg

ACCEPT = ", ".join(
    (
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    )
)


def is_loopback(host: str) -> bool:
    host = host.strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def manifest_url(image: str) -> str:
    """The manifest URL of `image` (`host[:port]/name:tag`, as images.txt lists it)."""
    hostport, _, rest = image.partition("/")
    name, _, tag = rest.rpartition(":")
    host = hostport.rsplit(":", 1)[0] if not hostport.startswith("[") else hostport.split("]")[0] + "]"
    scheme = "http" if is_loopback(host) else "https"
    return f"{scheme}://{hostport}/v2/{quote(name, safe='/')}/manifests/{quote(tag, safe='')}"


def _cause(exc: Exception) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    if isinstance(exc, httpx.ConnectError) and "CERTIFICATE_VERIFY_FAILED" in str(exc):
        return "TLS certificate not trusted"
    if isinstance(exc, httpx.ConnectError):
        return "connection refused or host unknown"
    return type(exc).__name__


def _skopeo(source: str, target: str) -> str:
    """The command that mirrors one image (a command line: never translated)."""
    return " ".join(("skopeo", "copy", "--all", "docker://" + source, "docker://" + target))


@check("deploy.images", "Images in the private registry", needs=["deploy.registry"])
def images(ctx: Context) -> Outcome:
    from app.artifacts.redact import mask

    # Masked: the image list needs no secret, and an unresolved {env: …} reference must not matter.
    pairs = bundle_images(mask(ctx.answers, redact=True))
    registry = ctx.answers.deploy.registry
    missing, denied, unreachable = [], [], []
    with httpx.Client(
        timeout=max(0.5, ctx.timeout * 0.8) / max(1, len(pairs)), follow_redirects=False, trust_env=False
    ) as client:
        for source, target in pairs:
            try:
                status = client.head(manifest_url(target), headers={"Accept": ACCEPT}).status_code
            except httpx.HTTPError as exc:
                unreachable.append((target, _cause(exc)))
                continue
            if status == 404:
                missing.append((source, target))
            elif status in (401, 403):
                denied.append(target)
            elif status != 200:
                unreachable.append((target, f"HTTP {status}"))
    observed = f"{len(pairs) - len(missing) - len(denied) - len(unreachable)}/{len(pairs)} found"
    expected = msg("every image of images.txt in %(registry)s", registry=registry)
    if unreachable:
        target, cause = unreachable[0]
        return fail(
            msg(
                "registry %(registry)s did not answer for %(image)s: %(cause)s",
                registry=registry,
                image=target,
                cause=cause,
            ),
            msg(
                "Check that %(registry)s is reachable over HTTPS from here and that its certificate is "
                "trusted (the cluster nodes need the same)",
                registry=registry,
            ),
            observed=observed,
            expected=expected,
        )
    if missing:
        return fail(
            msg("missing from %(registry)s: %(images)s", registry=registry, images=", ".join(t for _, t in missing)),
            msg("Mirror them, e.g. %(commands)s", commands=" && ".join(_skopeo(s, t) for s, t in missing)),
            observed=observed,
            expected=expected,
        )
    if denied:
        return warn(
            msg(
                "registry %(registry)s asks for credentials: cannot see %(images)s",
                registry=registry,
                images=", ".join(denied),
            ),
            msg(
                "Check by hand (skopeo inspect docker://IMAGE with credentials) and give the cluster an imagePullSecret"
            ),
            observed=observed,
            expected=expected,
        )
    return passed(
        msg("all %(count)s images found in %(registry)s", count=len(pairs), registry=registry),
        observed=observed,
        expected=expected,
    )
