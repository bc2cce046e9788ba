"""The wizard's steps, in order (a module of its own so the CLI's parser needs no answers model)."""

STEPS = ("hardware", "database", "object_store", "tls", "deploy")
