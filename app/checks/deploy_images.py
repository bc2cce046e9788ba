"""`deploy.images` (SPEC §4.5): every image of the bundle's images.txt exists in `deploy.registry`.

Asked over the OCI distribution API: `HEAD /v2/<name>/manifests/<tag>` with the OCI and Docker
manifest media types, index types included (a registry answers 404 to a manifest type it was not
asked for). HTTPS trusting the system store plus `deploy.registry_ca_pem`, except a registry on a
loopback address, spoken to over plain HTTP as Docker does. With `registry_username` /
`registry_password` the registry's challenge (Basic or the Bearer token flow) is answered by
app/checks/_registry_probe.py, which collects; this module judges. HEAD only: nothing is pulled,
nothing written. No redirects are followed.
"""

from __future__ import annotations

from app.artifacts.images import bundle_images
from app.checks._registry_probe import ACCEPT, RegistryProbe, Seen, is_loopback, manifest_url
from app.checks.engine import Context, Outcome, check, fail, passed, warn
from app.i18n.message import N_, msg, nmsg
from app.secret import reveal

__all__ = ["ACCEPT", "images", "is_loopback", "manifest_url"]


def _skopeo(source: str, target: str) -> str:
    """The command that mirrors one image (a command line: never translated)."""
    return " ".join(("skopeo", "copy", "--all", "docker://" + source, "docker://" + target))


def _collect(ctx: Context, pairs: list[tuple[str, str]]) -> dict[str, Seen] | str:
    """What the registry answered for each image (stops at the first refusal: no retry loop), or
    the reason nothing could be asked (a CA that is not PEM)."""
    d = ctx.answers.deploy
    per_request = max(0.5, ctx.timeout * 0.8) / max(1, 2 * len(pairs))  # token flow: up to 3 requests
    try:
        probe = RegistryProbe(
            username=d.registry_username,
            password=reveal(d.registry_password),
            ca_pem=d.registry_ca_pem,
            timeout=per_request,
        )
    except ValueError as exc:
        return str(exc)
    seen: dict[str, Seen] = {}
    with probe:
        for _, target in pairs:
            seen[target] = probe.head(target)
            if seen[target].refused:
                break
    return seen


@check(
    "deploy.images",
    N_("Images in the private registry"),
    needs=["deploy.registry"],
    reads=["deploy.registry_password"],
)
def images(ctx: Context) -> Outcome:
    from app.artifacts.redact import mask

    # Masked: the image list needs no secret, and an unresolved {env: …} reference must not matter.
    pairs = bundle_images(mask(ctx.answers, redact=True))
    registry = ctx.answers.deploy.registry
    expected = msg("every image of images.txt in %(registry)s", registry=registry)
    if ctx.answers.deploy.registry_password is not None and not ctx.answers.deploy.registry_username:
        return warn(  # no answer is silently dropped: without a user the password reaches nothing
            msg("deploy.registry_password is set without deploy.registry_username: the bundle carries no pull secret"),
            msg("Give deploy.registry_username too, or remove the password"),
            expected=expected,
        )
    seen = _collect(ctx, pairs)
    if isinstance(seen, str):
        return fail(
            msg("deploy.registry_ca_pem is not a PEM certificate"),
            msg("Paste the registry's CA certificate (-----BEGIN CERTIFICATE----- …)"),
            expected=expected,
        )
    refused = [t for t, s in seen.items() if s.refused]
    missing = [(s, t) for s, t in pairs if t in seen and seen[t].status == 404 and not seen[t].cause]
    denied = [t for t, s in seen.items() if s.status in (401, 403) and not s.refused and not s.cause]
    unreachable = [
        (t, s.cause or f"HTTP {s.status}") for t, s in seen.items() if s.cause or s.status not in (200, 401, 403, 404)
    ]
    found = sum(1 for s in seen.values() if s.status == 200 and not s.cause)
    observed = f"{found}/{len(pairs)} found"
    if refused:
        return fail(
            msg(
                "registry %(registry)s refused the credentials of %(user)s (for %(image)s)",
                registry=registry,
                user=ctx.answers.deploy.registry_username,
                image=refused[0],
            ),
            msg(
                "Check deploy.registry_username and deploy.registry_password (log in by hand: "
                "skopeo login %(host)s) and that the user may pull these repositories",
                host=(registry or "").split("/", 1)[0],
            ),
            observed=msg("registry refused the credentials"),
            expected=expected,
        )
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
            msg("Give deploy.registry_username and deploy.registry_password: the bundle then carries the pull secret"),
            observed=observed,
            expected=expected,
        )
    return passed(
        nmsg(
            "%(n)s image found in %(registry)s", "all %(n)s images found in %(registry)s", len(pairs), registry=registry
        ),
        observed=observed,
        expected=expected,
    )
