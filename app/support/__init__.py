"""The support bundle (SPEC §6.1): collectors (collect.py, cluster.py), analyzers (analyze.py),
redaction (redact.py), the archive (bundle.py), and the run that ties them together (run.py)."""
