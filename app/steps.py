"""The wizard's steps, in order (a module of its own so the CLI's parser needs no answers model)."""

STEPS = ("hardware", "database", "object_store", "tls", "deploy", "verify", "upgrade")
# What `validate` runs without --step: everything before installing. `verify` (after installing, SPEC §4.6)
# runs only when asked for (`wbsetup verify`, `validate --step verify`, the Verify page); `upgrade` (before
# changing a running install's version, SPEC §4.7) only with `validate --step upgrade`.
DEFAULT_STEPS = ("hardware", "database", "object_store", "tls", "deploy")
CLI_ONLY = ("upgrade",)  # steps without a wizard page (the History and Verify pages cover the rest)
