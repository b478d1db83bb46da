"""Compliance checks of one window: reliance on prohibited inputs, and proxies for
prohibited attributes that are not inputs. Every check is a row of the audit log."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from driftlab.config import ComplianceConfig, Feature
from driftlab.fairness.groups import group_labels
from driftlab.fairness.proxy import proxy_strength
from driftlab.fairness.reliance import decision_reliance
from driftlab.fairness.result import ComplianceCheck, ComplianceResult
from driftlab.formatting import percent, points
from driftlab.stats.proportions import wilson_interval

__all__ = ["compliance_checks", "compliance_reference"]

_Z95 = 1.959963984540054


def _sample(frame: pd.DataFrame, max_rows: int, seed: int) -> pd.DataFrame:
    if len(frame) <= max_rows:
        return frame.reset_index(drop=True)
    return frame.sample(max_rows, random_state=seed).reset_index(drop=True)


def compliance_reference(
    inputs: pd.DataFrame,
    attributes: pd.DataFrame,
    output: np.ndarray,
    decide: Callable[[pd.DataFrame], np.ndarray],
    input_names: list[str],
    proxied: list[Feature],
    cfg: ComplianceConfig,
    min_group_size: int,
) -> dict[str, dict[str, float]]:
    """Reliance on every input and proxy AUC of every prohibited non-input, on training rows
    (``output``: the out-of-fold output), stored with the model version."""
    keep = _sample(
        pd.concat([inputs, attributes], axis=1).assign(__out=output), cfg.max_rows, cfg.seed
    )
    reliance = decision_reliance(
        decide, keep[input_names], input_names, repeats=cfg.repeats, seed=cfg.seed
    )
    proxy = {}
    for f in proxied:
        x = keep[input_names].assign(model_output=keep["__out"].to_numpy())
        found = proxy_strength(
            x, group_labels(keep[f.name], f), min_group_size=min_group_size, seed=cfg.seed
        )
        if found is not None:
            proxy[f.name] = found.auc
    return {"reliance": reliance, "proxy": proxy}


def compliance_checks(
    inputs: pd.DataFrame,
    attributes: pd.DataFrame,
    output: np.ndarray,
    decide: Callable[[pd.DataFrame], np.ndarray],
    input_features: list[Feature],
    prohibited: list[Feature],
    cfg: ComplianceConfig,
    *,
    reference: dict[str, dict[str, float]] | None,
    min_group_size: int,
) -> ComplianceResult:
    """Reliance on every input (verdicts on prohibited ones) and proxy strength of every
    prohibited attribute that is not an input, on a seeded sample of the window's rows.

    ``decide`` maps model inputs to decisions (the predicted class); ``output`` is the
    model's output per row (P(positive) or the prediction) for the proxy classifier.
    """
    reference = reference or {}
    names = [f.name for f in input_features]
    banned = {f.name for f in prohibited}
    rows = _sample(
        pd.concat([inputs, attributes], axis=1).assign(__out=output), cfg.max_rows, cfg.seed
    )
    n = len(rows)
    reliance = decision_reliance(decide, rows[names], names, repeats=cfg.repeats, seed=cfg.seed)
    checks = [
        _reliance_check(
            name, share, n, name in banned, reference.get("reliance", {}).get(name), cfg
        )
        for name, share in sorted(reliance.items(), key=lambda kv: -kv[1])
    ]
    for f in prohibited:
        if f.is_model_input:
            continue
        ref = reference.get("proxy", {}).get(f.name)
        values = rows[f.name] if f.name in rows.columns else pd.Series([None] * n)
        x = rows[names].assign(model_output=rows["__out"].to_numpy())
        found = proxy_strength(
            x, group_labels(values, f), min_group_size=min_group_size, seed=cfg.seed
        )
        checks.append(_proxy_check(f.name, found, ref, cfg, min_group_size))
    alerts = [c for c in checks if c.verdict == "alert"]
    if alerts:
        message = (
            f"Compliance: {len(alerts)} alert(s): "
            + "; ".join(f"{c.check} on {c.feature}" for c in alerts)
            + "."
        )
    elif banned:
        message = (
            f"Compliance: no prohibited feature ({', '.join(sorted(banned))}) beyond its limits."
        )
    else:
        message = "Compliance: no prohibited features declared; reliance measured for the record."
    return ComplianceResult(checks, n, cfg.repeats, cfg.seed, message)


def _reliance_check(
    name: str, share: float, n: int, prohibited: bool, ref: float | None, cfg: ComplianceConfig
) -> ComplianceCheck:
    low, high = wilson_interval(share * n, n)
    ref_txt = f", {percent(ref)} at training" if ref is not None else ""
    body = (
        f"{percent(share)} of decisions change when {name} is shuffled (limit "
        f"{percent(cfg.max_reliance)}); {name} is a prohibited feature. 95% CI "
        f"{percent(low)}–{percent(high)}{ref_txt}; {n} rows, {cfg.repeats} shuffles."
    )
    details: dict[str, Any] = {"repeats": cfg.repeats, "seed": cfg.seed}

    def check(verdict: str, message: str) -> ComplianceCheck:
        limit = cfg.max_reliance if prohibited else None
        return ComplianceCheck("reliance", name, prohibited, share, [low, high], ref, limit, n,
                               verdict, message, details)  # fmt: skip

    if not prohibited:
        return check("info", f"{percent(share)} of decisions change when {name} is shuffled.")
    over = share > cfg.max_reliance
    rise = ref is not None and share - ref > cfg.max_reliance_increase
    supported = (over and low > cfg.max_reliance) or (
        rise and low > (ref or 0.0) + cfg.max_reliance_increase
    )
    if supported:
        rise_limit = points(cfg.max_reliance_increase).lstrip("+")
        why = "" if over else f" (risen by more than {rise_limit} since training)"
        return check("alert", f"Compliance alert: {body}{why}")
    if over or rise:
        return check("beyond_limit", f"Not yet supported by the counts: {body}")
    return check("pass", f"Within limits: {body}")


def _proxy_check(
    name: str, found: Any, ref: float | None, cfg: ComplianceConfig, min_group_size: int
) -> ComplianceCheck:
    limit = cfg.max_proxy_auc
    if found is None:
        return ComplianceCheck(
            "proxy",
            name,
            True,
            None,
            None,
            ref,
            limit,
            0,
            "insufficient_data",
            f"Proxy check for {name}: fewer than two groups with {min_group_size} rows in the "
            f"window (fairness.min_group_size); send {name} with each prediction.",
        )
    low, high = max(0.0, found.auc - _Z95 * found.se), min(1.0, found.auc + _Z95 * found.se)
    ref_txt = f", {ref:.2f} at training" if ref is not None else ""
    over = found.auc > limit
    rise = ref is not None and found.auc - ref > cfg.max_proxy_increase
    supported = (over and low > limit) or (rise and low > (ref or 0.5) + cfg.max_proxy_increase)
    verdict = "alert" if supported else ("beyond_limit" if over or rise else "pass")
    risk = (
        f"; the model's inputs may act as a proxy for {name}, a prohibited attribute"
        if verdict != "pass"
        else f"; {name} is a prohibited attribute"
    )
    body = (
        f"{name} can be predicted from the model's inputs and output with ROC AUC "
        f"{found.auc:.2f} (limit {limit:.2f}; 95% CI {low:.2f}–{high:.2f}{ref_txt}){risk}. "
        f"{found.n} rows."
    )
    head = {
        "alert": "Compliance alert: ",
        "beyond_limit": "Not yet supported by the counts: ",
        "pass": "Within limits: ",
    }[verdict]
    return ComplianceCheck(
        "proxy",
        name,
        True,
        found.auc,
        [low, high],
        ref,
        limit,
        found.n,
        verdict,
        head + body,
        {"groups": found.groups, "se": found.se},
    )
