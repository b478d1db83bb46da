"""Imports between driftlab's parts go one way: down the layer order of docs/architecture.md.

Every module under src/driftlab is parsed (nothing is imported), and every driftlab import in
it, at the top or inside a function, is checked: a part may import from a lower layer and from
itself, not from a higher layer nor from another part of its own layer. The imports that break
this today are listed in ``KNOWN`` with the reason, so that they are visible and the list can
only shrink: an entry that no longer occurs fails too.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "driftlab"

# Lowest first. A "part" is a top-level module or package of driftlab. A layer may have no
# module yet (a part planned or being moved in); it still holds its place in the order.
LAYERS: list[tuple[str, ...]] = [
    ("errors", "ids", "formatting", "metric_names", "kinds", "redact"),  # foundations: no imports
    ("config",),  # the project file's models
    ("schema", "stats", "metrics", "calibration", "profile"),  # pure computation
    ("model",),  # what was trained: ModelInfo, ModelBundle
    ("model_outputs", "onnx_engine"),  # the model's outputs as a column; the ONNX engine
    ("store", "registry"),  # ports with their adapters and records
    ("predlog",),  # the prediction log: spool, frames, logger, drain
    ("fairness",),  # group rates, gaps, reliance, proxies
    ("train",),  # fit, evaluate, freeze the profile (knows nothing of monitoring)
    ("monitor",),  # windows against the reference; prepares the reference it will need
    ("alerts",),  # rules and sinks over a MonitoringResult
    ("retrain", "feedback", "batch", "jobs", "report", "scenarios"),  # use cases, rendering
    ("dashboard", "spark"),  # read-only pages over report; the Spark engines over jobs
    ("serve",),  # the HTTP app (mounts the dashboard)
    ("compose",),  # adapter choice from settings: store, registry, alert sinks
    ("demo",),  # the demo loop (takes its printers from the CLI)
    ("cli",),  # the composition root: one Typer sub-app per stage
    ("__main__",),  # python -m driftlab
]

# (importer, imported): why it is allowed for now.
KNOWN: dict[tuple[str, str], str] = {}


def _part(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""  # "" is the package root (its __version__)


def _is_part(name: str) -> bool:
    return (SRC / f"{name}.py").exists() or (SRC / name / "__init__.py").exists()


def _imports() -> dict[tuple[str, str], list[str]]:
    """(importer part, imported part) -> the modules where the import occurs."""
    found: dict[tuple[str, str], list[str]] = defaultdict(list)
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC.parent).with_suffix("")
        module = ".".join(rel.parts).removesuffix(".__init__")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                targets = [node.module]
                if node.module == "driftlab":  # from driftlab import config, __version__
                    targets = [f"driftlab.{a.name}" for a in node.names if _is_part(a.name)]
            for target in targets:
                if target.split(".")[0] != "driftlab":
                    continue
                src, dst = _part(module), _part(target)
                if dst and dst != src:
                    found[(src, dst)].append(module)
    return found


def _layer_of() -> dict[str, int]:
    return {part: i for i, layer in enumerate(LAYERS) for part in layer}


def test_every_part_has_a_layer() -> None:
    parts = {p.stem for p in SRC.glob("*.py")} | {
        p.name for p in SRC.iterdir() if (p / "__init__.py").exists()
    }
    parts -= {"__init__"}
    missing = sorted(parts - set(_layer_of()))
    assert not missing, (
        f"place {missing} in LAYERS of tests/test_layers.py and docs/architecture.md"
    )


def test_imports_go_down_the_layers() -> None:
    layer = _layer_of()
    wrong = [
        f"{src} (layer {layer[src]}) imports {dst} (layer {layer[dst]}) in {', '.join(mods)}"
        for (src, dst), mods in sorted(_imports().items())
        if layer[dst] >= layer[src] and (src, dst) not in KNOWN
    ]
    assert not wrong, "imports against the layer order:\n" + "\n".join(wrong)


def test_known_exceptions_still_occur() -> None:
    # When an exception is fixed, strike it from KNOWN so that it cannot come back unseen.
    gone = sorted(set(KNOWN) - set(_imports()))
    assert not gone, f"no longer imported, remove from KNOWN: {gone}"


def test_the_architecture_page_lists_the_same_layers() -> None:
    page = (SRC.parents[1] / "docs" / "architecture.md").read_text(encoding="utf-8")
    for i, layer in enumerate(LAYERS):
        row = f"| {i} | " + ", ".join(f"`{p}`" for p in layer) + " |"
        assert row in page, f"docs/architecture.md lacks the layer row {row!r}"
