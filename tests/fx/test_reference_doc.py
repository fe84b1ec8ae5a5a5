"""docs/filters.md lists every operation exactly as the registry declares it."""

from capkit.fx import filters
from capkit.fx.reference import DOC, current_section, section


def test_the_operations_table_is_current():
    assert current_section(DOC.read_text(encoding="utf-8")) == section(), \
        "docs/filters.md is out of date: run .venv/bin/python -m capkit.fx.reference"


def test_the_table_names_every_operation():
    text = DOC.read_text(encoding="utf-8")
    assert all(f"**{fid}**" in text for fid in filters() if "/" not in fid)
