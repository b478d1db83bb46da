"""docs/settings.md is the settings models rendered, and its example is a valid project."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from driftlab.config import project_from_dict
from driftlab.config.reference import COMMAND, render

ROOT = Path(__file__).resolve().parents[1]
SETTINGS = ROOT / "docs" / "settings.md"


def test_settings_reference_is_generated_from_the_models() -> None:
    assert SETTINGS.read_text(encoding="utf-8") == render(), (
        f"docs/settings.md is out of date with src/driftlab/config; regenerate it: {COMMAND}"
    )


def test_every_setting_has_a_description() -> None:
    from pydantic import BaseModel

    import driftlab.config as config

    # Project's other fields are the sections, documented by their models' docstrings; its
    # root is set by the loader, not read from the file.
    assert config.Project.model_fields["name"].description
    for name in config.__all__:
        model = getattr(config, name)
        if isinstance(model, type) and issubclass(model, BaseModel) and name != "Project":
            assert model.__doc__, f"{name} has no docstring"
            for key, field in model.model_fields.items():
                assert field.description, f"{name}.{key} has no description"


def test_the_demo_example_is_a_valid_project(tmp_path: Path) -> None:
    example = re.search(r"```toml\n(.*?)```", SETTINGS.read_text(), re.S)
    assert example is not None
    project = project_from_dict(tomllib.loads(example.group(1)), tmp_path)
    assert project.name == "ames-housing" and project.promotion_metric == "log_loss"


def test_docs_link_only_to_files_and_headings_that_exist() -> None:
    # A moved section must not leave a dead link behind in the README or the docs.
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    for page in pages:
        for target in re.findall(r"\]\(([^)\s]+)\)", page.read_text(encoding="utf-8")):
            if target.startswith(("http://", "https://", "mailto:")):
                continue
            path, _, anchor = target.partition("#")
            dest = (page.parent / path).resolve() if path else page
            assert dest.exists(), f"{page.name} links to missing {target}"
            if anchor and dest.suffix == ".md":
                assert anchor in _anchors(dest), f"{page.name} links to missing {target}"


def _anchors(page: Path) -> set[str]:
    # GitHub's rule: lower case, punctuation dropped except - and _, spaces to -.
    heads = re.findall(r"^#+ (.+)$", page.read_text(encoding="utf-8"), re.M)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in heads}
