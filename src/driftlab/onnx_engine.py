"""The fitted pipeline compiled to ONNX, used only when it answers like scikit-learn.

:func:`compile_bundle` converts a bundle's pipeline with skl2onnx, runs it with ONNX Runtime on
the rows of the model's frozen reference sample (plus each nullable feature set missing), and
compares the answers with scikit-learn's on the same rows. Only a compiled model that passes
that parity check is returned; otherwise the reason says why and the caller keeps
scikit-learn. Conversion happens when a model is *loaded*, not when it is trained: the check
then runs against the ONNX Runtime that will serve, the registry keeps one canonical artifact,
and a new skl2onnx release helps every registered version without retraining.

Numeric inputs run as float32 (skl2onnx's tree converters compare float32 thresholds and sum
float32 leaf values). Class probabilities stay within 1e-6 of scikit-learn's on the demo model
(measured ~1e-7); regression values are compared with a relative tolerance as well, since a
float32 carries about 7 significant digits (a price of 200,000 moves in steps of 0.016).

Importing this module needs neither skl2onnx nor onnxruntime; they are imported on use.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from driftlab.config import Feature, FeatureKind
from driftlab.model import ModelBundle, PredictionBatch

__all__ = [
    "PROBA_ATOL",
    "VALUE_RTOL",
    "Compilation",
    "CompiledModel",
    "Export",
    "ParityReport",
    "check_parity",
    "compile_bundle",
    "convert",
    "export_onnx",
    "parity_frame",
]

log = logging.getLogger(__name__)

PROBA_ATOL = 1e-6  # largest allowed |onnx - sklearn| for a probability (and a value near 0)
VALUE_RTOL = 1e-6  # regression values: also allowed VALUE_RTOL * |sklearn value|
# skl2onnx writes a missing category (None in the fitted OneHotEncoder) as the text "None".
MISSING_CATEGORY = "None"
_F32_MAX = float(np.finfo(np.float32).max)


@dataclass(frozen=True)
class ParityReport:
    """How the compiled model's answers compare with scikit-learn's on the same rows."""

    passed: bool
    rows: int
    max_abs_diff: float | None
    max_rel_diff: float | None
    labels_equal: bool | None
    tolerance: str
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _fix_skl2onnx_booleans() -> None:
    # skl2onnx 1.20's HistGradientBoosting converter passes Python booleans as the per-node
    # missing-value flag; onnx >= 1.17 (protobuf) refuses booleans in an INTS attribute. Cast
    # them to int once, before converting. Harmless where skl2onnx already passes ints.
    from skl2onnx.common import tree_ensemble

    if getattr(tree_ensemble.add_node, "_driftlab_int_flags", False):
        return
    original = tree_ensemble.add_node

    @functools.wraps(original)
    def add_node(*args: Any, **kwargs: Any) -> Any:
        flag = "nodes_missing_value_tracks_true"
        if flag in kwargs:
            kwargs[flag] = int(kwargs[flag])
        return original(*args, **kwargs)

    add_node._driftlab_int_flags = True  # type: ignore[attr-defined]
    tree_ensemble.add_node = add_node


def convert(bundle: ModelBundle) -> Any:
    """The bundle's pipeline as an ONNX ``ModelProto``: one input per model feature (float32
    for numeric, string for categorical, shape [n, 1]); outputs label and probabilities
    (classification) or variable (regression). Raises whatever skl2onnx raises."""
    from skl2onnx import to_onnx
    from skl2onnx.common.data_types import FloatTensorType, StringTensorType

    _fix_skl2onnx_booleans()
    inputs = [
        (f.name, FloatTensorType([None, 1]) if _numeric(f) else StringTensorType([None, 1]))
        for f in bundle.info.input_features
    ]
    estimator = bundle.pipeline.steps[-1][1]
    options = {id(estimator): {"zipmap": False}} if bundle.info.task.is_classification else None
    return to_onnx(
        bundle.pipeline,
        initial_types=inputs,
        options=options,
        target_opset={"": 18, "ai.onnx.ml": 3},
    )


def _numeric(f: Feature) -> bool:
    return f.kind is FeatureKind.NUMERIC


class CompiledModel:
    """An ONNX Runtime session that answers like :meth:`ModelBundle.predict`, from records
    (dicts) without building a pandas DataFrame: one small array per feature."""

    def __init__(self, bundle: ModelBundle, onnx_bytes: bytes, *, threads: int = 1) -> None:
        import onnxruntime as ort

        opts = ort.SessionOptions()
        # One thread per op and no parallel ops by default: the server runs one session per
        # worker process, and extra threads per request only fight the other workers.
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        self.session = ort.InferenceSession(onnx_bytes, opts, providers=["CPUExecutionProvider"])
        self.onnx_bytes = onnx_bytes
        self.classes = list(bundle.info.classes)
        self.is_classification = bundle.info.task.is_classification
        self._features = [(f.name, _numeric(f)) for f in bundle.info.input_features]
        self._outputs = [o.name for o in self.session.get_outputs()]

    def feed(self, records: Sequence[Mapping[str, Any]]) -> dict[str, np.ndarray] | None:
        """Input arrays for ``records``; None when a number does not fit a float32 (the caller
        then lets scikit-learn answer, as it would without ONNX)."""
        out: dict[str, np.ndarray] = {}
        n = len(records)
        for name, numeric in self._features:
            if numeric:
                values = [r.get(name) for r in records]
                col = np.array([math.nan if v is None else v for v in values], dtype=np.float64)
                if np.any(np.abs(col) > _F32_MAX):
                    return None
                out[name] = col.astype(np.float32).reshape(n, 1)
            else:
                col = np.empty((n, 1), dtype=object)
                for i, r in enumerate(records):
                    v = r.get(name)
                    col[i, 0] = MISSING_CATEGORY if v is None else str(v)
                out[name] = col
        return out

    def raw(self, records: Sequence[Mapping[str, Any]]) -> tuple[np.ndarray, np.ndarray] | None:
        """(labels or values, probabilities or empty) as float64 where numeric."""
        feed = self.feed(records)
        if feed is None:
            return None
        result = self.session.run(None, feed)
        if self.is_classification:
            return np.asarray(result[0]), np.asarray(result[1], dtype=np.float64)
        return np.asarray(result[0], dtype=np.float64).ravel(), np.empty((0, 0))

    def predict(self, records: Sequence[Mapping[str, Any]]) -> PredictionBatch | None:
        """Like :meth:`ModelBundle.predict` (argmax of the probabilities, rounded
        ``probabilities``); None when scikit-learn must answer instead."""
        raw = self.raw(records)
        if raw is None:
            return None
        first, proba = raw
        if not self.is_classification:
            values = first.tolist()
            return PredictionBatch(values, [None] * len(values), [None] * len(values))
        classes = self.classes
        best = proba.argmax(axis=1).tolist()
        rows = proba.tolist()
        return PredictionBatch(
            predictions=[classes[i] for i in best],
            probability=[row[i] for row, i in zip(rows, best, strict=True)],
            probabilities=[
                {c: round(p, 6) for c, p in zip(classes, row, strict=True)} for row in rows
            ],
        )


def parity_frame(bundle: ModelBundle) -> pd.DataFrame:
    """The rows parity is checked on: the reference profile's row sample, plus, for each
    nullable feature, the first rows again with that feature missing (the sample alone may
    hold no missing value, and a missing value takes its own path through the encoders)."""
    rows = bundle.reference.rows
    feats = bundle.info.input_features
    if rows is None or not rows.columns or any(f.name not in rows.columns for f in feats):
        raise ValueError("the model's reference profile has no row sample of its inputs")
    frame = pd.DataFrame({f.name: rows.columns[f.name] for f in feats})
    frame = bundle.model_frame(frame)
    probes = [frame]
    head = frame.head(20)
    for f in feats:
        if f.nullable:
            probe = head.copy()
            probe[f.name] = np.nan if _numeric(f) else None
            probes.append(probe)
    return pd.concat(probes, ignore_index=True)


def _records(frame: pd.DataFrame, feats: list[Feature]) -> list[dict[str, Any]]:
    cols = {f.name: frame[f.name].tolist() for f in feats}
    out = []
    for i in range(len(frame)):
        rec = {}
        for f in feats:
            v = cols[f.name][i]
            rec[f.name] = None if isinstance(v, float) and math.isnan(v) else v
        out.append(rec)
    return out


def check_parity(bundle: ModelBundle, compiled: CompiledModel) -> ParityReport:
    """Compare ``compiled`` with the bundle's scikit-learn pipeline on :func:`parity_frame`."""
    classification = bundle.info.task.is_classification
    tolerance = (
        f"|p_onnx - p_sklearn| <= {PROBA_ATOL:g} and equal labels"
        if classification
        else f"|y_onnx - y_sklearn| <= {PROBA_ATOL:g} + {VALUE_RTOL:g} * |y_sklearn|"
    )
    try:
        frame = parity_frame(bundle)
    except ValueError as e:
        return ParityReport(False, 0, None, None, None, tolerance, str(e))
    feats = bundle.info.input_features
    raw = compiled.raw(_records(frame, feats))
    if raw is None:
        return ParityReport(False, len(frame), None, None, None, tolerance,
                            "reference values do not fit a float32")  # fmt: skip
    first, proba = raw
    if classification:
        expected = np.asarray(bundle.pipeline.predict_proba(frame), dtype=np.float64)
        diff = np.abs(proba - expected)
        labels_equal = bool(
            np.array_equal(proba.argmax(axis=1), expected.argmax(axis=1))
            and [str(x) for x in first] == [str(x) for x in bundle.pipeline.predict(frame)]
        )
        max_abs = float(diff.max())
        max_rel = float((diff / np.maximum(np.abs(expected), 1e-300)).max())
        ok = labels_equal and max_abs <= PROBA_ATOL
    else:
        expected = np.asarray(bundle.pipeline.predict(frame), dtype=np.float64).ravel()
        diff = np.abs(first - expected)
        labels_equal = None
        max_abs = float(diff.max())
        max_rel = float((diff / np.maximum(np.abs(expected), 1e-300)).max())
        ok = bool(np.all(diff <= PROBA_ATOL + VALUE_RTOL * np.abs(expected)))
    reason = None
    if not ok:
        reason = (
            "ONNX answers differ from scikit-learn's on the reference sample "
            f"(max abs diff {max_abs:.3g}, max rel diff {max_rel:.3g}"
            + ("" if labels_equal is None else f", labels equal: {labels_equal}")
            + f"); tolerance: {tolerance}"
        )
    return ParityReport(ok, len(frame), max_abs, max_rel, labels_equal, tolerance, reason)


@dataclass(frozen=True)
class Compilation:
    """The outcome of :func:`compile_bundle`: a model to use, or the reason there is none."""

    model: CompiledModel | None
    parity: ParityReport | None
    reason: str | None


def compile_bundle(bundle: ModelBundle, *, threads: int = 1) -> Compilation:
    """Convert, load and parity-check ``bundle``. Never raises for a model that does not
    convert: the returned ``reason`` says why scikit-learn must serve it."""
    try:
        proto = convert(bundle)
    except ImportError as e:
        return Compilation(None, None, f"ONNX export needs skl2onnx and onnxruntime ({e})")
    except Exception as e:  # skl2onnx raises many types for unsupported pipelines
        return Compilation(None, None, f"skl2onnx cannot convert this pipeline: "
                                       f"{e.__class__.__name__}: {_short(e)}")  # fmt: skip
    try:
        compiled = CompiledModel(bundle, proto.SerializeToString(), threads=threads)
    except Exception as e:  # an ONNX Runtime that lacks an operator or type
        return Compilation(None, None, f"ONNX Runtime cannot load the converted model: "
                                       f"{e.__class__.__name__}: {_short(e)}")  # fmt: skip
    report = check_parity(bundle, compiled)
    if not report.passed:
        return Compilation(None, report, report.reason)
    return Compilation(compiled, report, None)


def _short(e: Exception, limit: int = 300) -> str:
    # skl2onnx errors can embed a whole model's attributes; keep logs and /v1/model readable.
    text = str(e).splitlines()[0] if str(e) else ""
    return text if len(text) <= limit else text[:limit] + "…"


@dataclass(frozen=True)
class Export:
    """What :func:`export_onnx` wrote: the model file (None when it did not convert) and the
    parity report file, and whether parity held."""

    model_path: Path | None
    report_path: Path
    passed: bool
    report: dict[str, Any]


def export_onnx(bundle: ModelBundle, folder: Path) -> Export:
    """Write ``model.onnx`` and ``parity.json`` for edge use: the graph, its inputs (one
    [n, 1] tensor per feature: float32 for numeric, string for categorical, the text "None"
    for a missing category) and the parity check against scikit-learn."""
    from importlib import metadata

    folder.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {
        "model": bundle.info.name,
        "version": bundle.version,
        "task": bundle.info.task.value,
        "classes": bundle.info.classes,
        "inputs": [
            {"name": f.name, "type": "float32" if _numeric(f) else "string", "shape": [None, 1]}
            for f in bundle.info.input_features
        ],
        "missing_category": MISSING_CATEGORY,
        "packages": {
            p: metadata.version(p) for p in ("scikit-learn", "skl2onnx", "onnx", "onnxruntime")
        },
    }
    model_path: Path | None = None
    passed = False
    try:
        proto = convert(bundle)
    except Exception as e:
        report["reason"] = f"skl2onnx cannot convert this pipeline: {e.__class__.__name__}: " + (
            _short(e)
        )
    else:
        data = proto.SerializeToString()
        model_path = folder / "model.onnx"
        model_path.write_bytes(data)
        report["sha256"] = hashlib.sha256(data).hexdigest()
        try:
            parity = check_parity(bundle, CompiledModel(bundle, data))
        except Exception as e:
            report["reason"] = f"ONNX Runtime cannot load the converted model: {_short(e)}"
        else:
            report["parity"] = parity.to_dict()
            report["reason"] = parity.reason
            passed = parity.passed
    report["passed"] = passed
    report_path = folder / "parity.json"
    report_path.write_text(json.dumps(report, indent=2) + "\n")
    return Export(model_path, report_path, passed, report)
