"""The settings reference (``docs/settings.md``), rendered from the settings models.

Each section's table (key, type, default, meaning) comes from the pydantic fields: the type and
its bounds from the annotation, the default from the field, the meaning from its
``description``; a section's notes from its class docstring. So the reference cannot fall
behind the code, and a test checks the committed file against :func:`render`.

Regenerate with ``python -m driftlab.config.reference docs/settings.md`` (without a path it
prints). Imports only the settings models, no computing layer.

>>> "| `alpha` | number, > 0, < 1 | `0.05` |" in render()
True
"""

from __future__ import annotations

import inspect
import re
import sys
import types
import typing
from enum import Enum
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

import annotated_types as at
from pydantic import BaseModel, SecretStr
from pydantic.fields import FieldInfo

from driftlab.config.project import Project

__all__ = ["COMMAND", "render"]

COMMAND = "python -m driftlab.config.reference docs/settings.md"

_INTRO = f"""\
# Settings reference

<!-- Generated from src/driftlab/config by `{COMMAND}`; do not edit by hand. -->

A project is one TOML file (`driftlab.toml`). Relative paths (`data.path`,
`mlflow.artifact_location`, `store.spool_dir`) and relative SQLite URLs
(`sqlite:///driftlab.db`) are resolved against **the folder of the project file**, not the
current directory. Absolute paths (`sqlite:////var/lib/x.db`) and `sqlite:///:memory:` are left
as they are. Unknown keys are refused, so a typo such as `treshold` is reported instead of
ignored. Every error names the key, shows the bad value and, where it can, says the fix.

Each table lists a section's keys: the type (with its bounds), the default (*unset* means no
value; the meaning says what is used then) and what the key does.
"""

_OUTRO = """\
## Environment variables

{env}

Relative SQLite URLs given in the two override variables are also resolved against the project
folder.

## The demo's project file

`driftlab demo` writes this file. It is a complete example:

```toml
# driftlab project for the Ames housing demo (written by 'driftlab demo').
name = "ames-housing"

[data]
path = "train.csv"
target = "Price_Class"
task = "binary"
positive_class = "high"

[model]
estimator = "hist_gradient_boosting"
params = { max_iter = 200, learning_rate = 0.08 }

[store]
url = "sqlite:///driftlab.db"

[mlflow]
tracking_uri = "sqlite:///mlflow.db"
artifact_location = "mlartifacts"

[monitor]
min_rows = 100
min_labels = 30
concept_detector = "adwin"

[retrain]
# Log loss is a proper scoring rule: it rewards the better-calibrated model, where ROC AUC
# on a few hundred rows often ties.
metric = "log_loss"
min_improvement = 0.0
holdout_fraction = 0.3

[serve]
reload_interval_s = 1.0

[[alerts.channels]]
type = "console"

[[features]]
name = "Gr_Liv_Area"
kind = "numeric"

# … one [[features]] table each for Total_Bsmt_SF, First_Flr_SF, Garage_Area, Garage_Cars,
# Year_Built, Year_Remod_Add, Lot_Area, Full_Bath, TotRms_AbvGrd, Fireplaces (numeric) and
# Overall_Cond, Neighborhood, Bldg_Type, Central_Air, Heating_QC (categorical)
```
"""

_ENV = (
    ("DRIFTLAB_CONFIG", "default for `--config`"),
    (
        "DRIFTLAB_STORE_URL",
        "overrides `store.url`, to keep database URLs and passwords out of the file",
    ),
    ("DRIFTLAB_MLFLOW_TRACKING_URI", "overrides `mlflow.tracking_uri`"),
    ("DRIFTLAB_API_TOKEN", "the API token(s), comma-separated (the default of `serve.token_envs`)"),
    (
        "PROMETHEUS_MULTIPROC_DIR",
        "set by `serve --workers N` to a fresh temporary folder; any earlier value is replaced",
    ),
    (
        "OMP_NUM_THREADS`, `OPENBLAS_NUM_THREADS`, `MKL_NUM_THREADS",
        "set by `serve` to `serve.threads` unless already set",
    ),
    (
        "DRIFTLAB_TEST_POSTGRES_URL",
        "tests only: the PostgreSQL database for the `postgres`-marked tests",
    ),
    (
        "DRIFTLAB_REQUIRE_BROWSER",
        "tests only: `1` makes a `browser`-marked test fail, not skip, "
        "when Chromium or Playwright is missing (set by `.ci/run`)",
    ),
)

_NAMES: dict[type, str] = {
    str: "string",
    int: "integer",
    float: "number",
    bool: "boolean",
    Path: "path",
    SecretStr: "string (secret)",
}
_BOUNDS = ((at.Gt, "gt", ">"), (at.Ge, "ge", "≥"), (at.Lt, "lt", "<"), (at.Le, "le", "≤"))


def _bounds(metadata: list[Any]) -> list[str]:
    out = []
    for item in metadata:
        for cls, attr, sign in _BOUNDS:
            if isinstance(item, cls):
                out.append(f"{sign} {getattr(item, attr)}")
        if isinstance(item, at.MinLen) and item.min_length > 1:
            out.append(f"at least {item.min_length}")
        if getattr(item, "pattern", None):
            out.append(f"matching `{item.pattern}`")
    return out


def _type(annotation: Any, metadata: list[Any] = ()) -> str:  # type: ignore[assignment]
    """A reader's name for a field type, with its bounds: ``number, > 0, < 1``."""
    bounds = _bounds(list(metadata))
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is typing.Annotated:
        inner = [m for a in args[1:] for m in (a.metadata if isinstance(a, FieldInfo) else [a])]
        return _type(args[0], [*metadata, *inner])
    if origin in (Union, types.UnionType):
        present = [a for a in args if a is not type(None)]
        return (
            _type(present[0], metadata) if len(present) == 1 else " or ".join(map(_type, present))
        )
    if origin is Literal:
        name = "one of " + ", ".join(f"`{a}`" for a in args)
    elif inspect.isclass(annotation) and issubclass(annotation, Enum):
        name = "one of " + ", ".join(f"`{m.value}`" for m in annotation)
    elif origin is list:
        name = f"list of {_type(args[0])}"
    elif origin is dict or (inspect.isclass(annotation) and issubclass(annotation, BaseModel)):
        name = "table"
    else:
        name = _NAMES.get(annotation, getattr(annotation, "__name__", str(annotation)))
    return ", ".join([name, *bounds])


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Enum):
        return f'"{value.value}"'
    if isinstance(value, str | Path):
        return f'"{value}"'
    if isinstance(value, BaseModel):
        fields = value.model_dump(mode="json", exclude_defaults=True)
        return "{" + ", ".join(f"{k} = {_toml(v)}" for k, v in fields.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + "}"
    return repr(value)


def _default(field: FieldInfo) -> str:
    if field.is_required():
        return "(required)"
    value = field.get_default(call_default_factory=True)
    return "unset" if value is None else f"`{_toml(value)}`"


def _doc(model: type[BaseModel]) -> tuple[str, str]:
    """The class docstring's first paragraph and the rest, in Markdown (``x`` becomes `x`)."""
    doc = (inspect.getdoc(model) or "").replace("``", "`")
    summary, _, notes = doc.partition("\n\n")
    summary = re.sub(r"^`\[+[\w.]+\]+`: ", "", summary.strip())  # the heading says it
    return summary[:1].upper() + summary[1:], notes.strip()


def _table(model: type[BaseModel]) -> list[str]:
    rows = ["| key | type | default | meaning |", "| --- | --- | --- | --- |"]
    for key, field in model.model_fields.items():
        if field.description is None:
            continue  # not a setting (Project.root is set by the loader)
        kind = _type(field.annotation, field.metadata)
        meaning = field.description.replace("|", "\\|")
        rows.append(f"| `{key}` | {kind} | {_default(field)} | {meaning} |")
    return rows


def _nested(model: type[BaseModel]) -> list[tuple[str, type[BaseModel]]]:
    """The fields that are one table or a list of tables of another settings model."""
    out = []
    for key, field in model.model_fields.items():
        ann = field.annotation
        args = get_args(ann)
        for cand in (ann, *args, *(get_args(a) for a in args)):
            if isinstance(cand, tuple):
                cand = cand[0] if cand else None
            if inspect.isclass(cand) and issubclass(cand, BaseModel):
                out.append((key, cand))
                break
    return out


def _section(heading: str, model: type[BaseModel]) -> list[str]:
    lines = [f"## {heading}", ""]
    summary, notes = _doc(model)
    if summary:
        lines += [summary, ""]
    lines += [*_table(model), ""]
    if notes:
        lines += [notes, ""]
    return lines


def render() -> str:
    """The settings reference as Markdown: top-level keys, then one table per section."""
    lines = [_INTRO, "## Top level", "", *_table(Project), ""]
    for key, model in _nested(Project):
        plural = get_origin(Project.model_fields[key].annotation) is not None
        lines += _section(f"`[[{key}]]`" if plural else f"`[{key}]`", model)
        for sub, submodel in _nested(model):
            lines += _section(f"`[[{key}.{sub}]]`", submodel)
    env = ["| variable | effect |", "| --- | --- |"]
    env += [f"| `{name}` | {effect} |" for name, effect in _ENV]
    return "\n".join(lines).rstrip() + "\n\n" + _OUTRO.replace("{env}", "\n".join(env))


def main(argv: list[str]) -> int:
    text = render()
    if not argv:
        sys.stdout.write(text)
        return 0
    Path(argv[0]).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
