"""One monitoring run: read a window, profile it, compare, score, decide alerts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd

from driftlab.config import Project
from driftlab.errors import DataError
from driftlab.model import ModelBundle
from driftlab.monitor.drift import DriftPolicy, compare_profiles
from driftlab.monitor.performance import window_performance
from driftlab.monitor.result import MonitoringResult
from driftlab.profile import build_profile
from driftlab.schema import coerce_frame

__all__ = ["Window", "monitor_window", "pick_version"]


@dataclass(frozen=True)
class Window:
    """Which logged predictions to look at: a time range, or the last N."""

    start: datetime | None = None
    end: datetime | None = None
    last_n: int | None = None

    def describe(self) -> str:
        if self.start or self.end:
            return f"{self.start or 'beginning'} to {self.end or 'now'}"
        return f"last {self.last_n} predictions"


def pick_version(frame: pd.DataFrame) -> str | None:
    """The model version that served most rows of a window (its reference is the baseline)."""
    if frame.empty:
        return None
    return str(frame["model_version"].value_counts().idxmax())


def monitor_window(frame: pd.DataFrame, bundle: ModelBundle, project: Project) -> MonitoringResult:
    """Compare a window of logged predictions with ``bundle``'s frozen reference.

    Pure with respect to storage: reading the window and saving the result are the caller's.
    """
    cfg = project.monitor
    info = bundle.info
    start = frame["ts"].min() if not frame.empty else None
    end = frame["ts"].max() if not frame.empty else None
    settings = cfg.model_dump()
    common = {
        "model_name": info.name,
        "model_version": bundle.version,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "window_start": start.isoformat() if start is not None else None,
        "window_end": end.isoformat() if end is not None else None,
        "n_rows": len(frame),
        "settings": settings,
    }
    if len(frame) < cfg.min_rows:
        return MonitoringResult(
            **common,
            status="insufficient_data",
            summary=(
                f"Insufficient data: {len(frame)} predictions in the window, "
                f"{cfg.min_rows} needed for a drift verdict (monitor.min_rows)."
            ),
            features=[],
            drift_share=0.0,
            drifted_features=[],
            performance=None,
            alerts=[],
        )
    monitored = info.monitored_features
    absent = [f for f in monitored if f.name not in frame.columns]
    # Optional metadata (e.g. a protected attribute) that no client sent is all-missing.
    frame = frame.assign(**{f.name: None for f in absent if not f.is_model_input})
    missing = [f.name for f in absent if f.is_model_input]
    if missing:
        raise DataError(
            f"logged predictions lack feature(s) {', '.join(missing)} that model version "
            f"{bundle.version} was trained with"
        )
    features = coerce_frame(frame, monitored)
    window_profile = build_profile(
        features, monitored, reference=bundle.reference, sample_size=cfg.sample_size
    )
    drift = compare_profiles(
        bundle.reference,
        window_profile,
        DriftPolicy(alpha=cfg.alpha, correction=cfg.correction, min_psi=cfg.min_psi),
    )
    drifted = sorted((d for d in drift if d.drifted), key=lambda d: d.psi, reverse=True)
    share = len(drifted) / len(drift) if drift else 0.0
    performance = window_performance(
        frame,
        info,
        primary_metric=project.primary_metric,
        min_labels=cfg.min_labels,
        max_drop=cfg.max_metric_drop,
    )
    if drifted:
        names = ", ".join(d.feature for d in drifted)
        summary = (
            f"Data drift in {len(drifted)} of {len(drift)} features ({share:.0%}): {names}. "
            f"{performance.message}"
        )
    else:
        summary = f"No data drift in {len(drift)} features. {performance.message}"
    status = "drift" if drifted or performance.status == "degraded" else "ok"
    # Alerts are decided downstream (driftlab.alerts.rules); a result starts without them.
    return MonitoringResult(
        **common,
        status=status,
        summary=summary,
        features=drift,
        drift_share=share,
        drifted_features=[d.feature for d in drifted],
        performance=performance,
        alerts=[],
    )
