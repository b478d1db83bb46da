"""The docs document every ``[serve]`` setting and every serve-related command flag."""

from __future__ import annotations

import re
from pathlib import Path

from driftlab.config import ServeConfig

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _section(text: str, heading: str) -> str:
    start = text.index(heading)
    end = text.find("\n## ", start + len(heading))
    return text[start:end]


def test_every_serve_setting_is_in_the_settings_table() -> None:
    table = _section((DOCS / "settings.md").read_text(), "## `[serve]`")
    documented = set(re.findall(r"^\| `(\w+)` \|", table, re.M))
    assert set(ServeConfig.model_fields) == documented


def test_serve_flags_and_export_command_are_in_the_cli_tour() -> None:
    text = (DOCS / "cli.md").read_text()
    assert "`--workers N`" in text and "| `export-onnx` |" in text
    production = (DOCS / "production.md").read_text()
    for heading in ("## Workers", "## Security", "## Fast inference (ONNX)"):
        assert heading in production
