"""Change over time (SPEC §3 `history`/`diff`/`drift`, §7 "Revisions", §10): which answer keys changed
between two documents (keys.py), what a change does to the bundle (diff.py, over the inputs of sources.py),
and what the cluster runs against what the bundle would apply (drift.py)."""
