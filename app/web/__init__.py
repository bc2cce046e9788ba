"""The wizard's web layer: routes, pages, the run service (runs.py) and its feeds."""
