"""The wizard's steps, in order (a module of its own so the CLI's parser needs no answers model)."""

STEPS = ("hardware", "database", "object_store", "tls", "deploy", "verify", "upgrade")
# What `validate` runs without --step: everything before installing. `verify` (after installing, SPEC §4.6)
# runs only when asked for (`wbsetup verify`, `validate --step verify`, the Verify page); `upgrade` (before
# changing a running install's version, SPEC §4.7) only with `validate --step upgrade`.
DEFAULT_STEPS = ("hardware", "database", "object_store", "tls", "deploy")
CLI_ONLY = ("upgrade",)  # steps without a wizard page (the History and Verify pages cover the rest)

# The secret fields each step's checks read (dotted answers paths). `validate --step S` resolves only the
# {env: …} references of its steps: an unset variable that no chosen step reads does not stop the run.
# `verify` reads deploy.kubeconfig too (the rollout check lists the pods); `license` and the admin
# password are read by no check (the bundle and the bootstrap action need them).
STEP_SECRETS: dict[str, tuple[str, ...]] = {
    "hardware": (),
    "database": ("database.password",),
    "object_store": ("object_store.secret_key",),
    "tls": ("tls.key_pem",),
    "deploy": ("deploy.kubeconfig", "deploy.redis_url", "deploy.registry_password"),
    "verify": ("verify.api_key", "deploy.kubeconfig"),
    # the running version (the cluster or the API) and the target's rules on the live database and cluster
    "upgrade": ("deploy.kubeconfig", "verify.api_key", "database.password"),
}


def secrets_of(steps) -> set[str]:
    """The secret fields the checks of `steps` read (by default the steps `validate` runs)."""
    return {path for step in (steps or DEFAULT_STEPS) for path in STEP_SECRETS[step]}
