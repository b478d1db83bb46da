"""Champion vs challenger: a pure decision from scores on the same rows."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from driftlab.formatting import num
from driftlab.metrics import LOWER_IS_BETTER

__all__ = ["PromotionDecision", "decide"]

_TIE = 1e-12


@dataclass(frozen=True)
class PromotionDecision:
    model_name: str
    champion_version: str
    challenger_version: str
    metric: str
    champion_score: float
    challenger_score: float
    min_improvement: float
    n_eval: int
    promoted: bool
    reason: str
    champion_metrics: dict[str, float]
    challenger_metrics: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def decide(
    metric: str, champion: float, challenger: float, min_improvement: float
) -> tuple[bool, str]:
    """Promote only when the challenger beats the champion by at least ``min_improvement``.

    >>> decide("roc_auc", 0.80, 0.85, 0.01)
    (True, 'challenger roc_auc 0.85 beats champion 0.8 by 0.05 (needed 0.01)')
    >>> decide("mae", 10.0, 10.5, 0.0)[0]
    False
    """
    gain = (champion - challenger) if metric in LOWER_IS_BETTER else (challenger - champion)
    # Equal scores computed along different float paths can differ in the last bits.
    gain = 0.0 if abs(gain) < _TIE else gain
    if gain > min_improvement:
        return True, (
            f"challenger {metric} {num(challenger)} beats champion {num(champion)} "
            f"by {num(gain)} (needed {num(min_improvement)})"
        )
    return False, (
        f"challenger {metric} {num(challenger)} vs champion {num(champion)}: "
        f"gain {num(gain)} is not above the required {num(min_improvement)}; champion kept"
    )
