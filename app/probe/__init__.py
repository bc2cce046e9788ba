"""The probes: node reports (reports.py, measured by node.py), the host probe and probe tokens."""
