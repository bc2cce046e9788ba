"""The form and the checks call a fact by one name (#31 item 8): the database server's disk is its root
disk (REFERENCE.md's hardware table) on the form, in its help and in `hardware.database.disk`."""

from __future__ import annotations

import pytest

from app.answers import AppNodes, DatabaseNode
from app.checks.engine import checks_for

CHECKED = {"disk": "disk_gb", "disk_bandwidth": "disk_mbps", "cpu": "cpu_cores", "memory": "memory_gib"}


@pytest.mark.parametrize("role", ["app", "database"])
@pytest.mark.parametrize("suffix", sorted(CHECKED))
def test_check_title_names_the_form_field(role, suffix):
    model = {"app": AppNodes, "database": DatabaseNode}[role]
    field = model.model_fields[CHECKED[suffix]]
    title = next(c.title for c in checks_for(["hardware"]) if c.id == f"hardware.{role}.{suffix}")
    fact = title.split(": ", 1)[1].removesuffix(" size")  # "Database server: Root disk size" → "Root disk"
    assert field.title is not None and str(field.title).lower().startswith(fact.lower()), (field.title, title)


@pytest.mark.parametrize("key", ["disk_gb", "disk_mbps", "cpu_cores", "memory_gib", "nics", "nic_gbps"])
def test_both_roles_name_a_fact_alike(key):
    app, db = AppNodes.model_fields[key], DatabaseNode.model_fields[key]
    assert app.title == db.title
    if db.description:  # the database server's help may say less (no "per node"), never something else
        assert db.description == app.description
