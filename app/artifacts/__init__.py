"""Artifacts: builders that turn answers into data, serialised by `serialize`, assembled by `bundle`."""
