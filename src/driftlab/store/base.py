"""The store's records and ports under the module name callers have imported them from.

New code imports them from ``driftlab.store`` (records.py and ports.py define them).
"""

from driftlab.store.ports import (
    AlertLog,
    AuditLog,
    DecisionLog,
    PredictionSink,
    RunHistory,
    RunLog,
    Store,
    WindowSource,
)
from driftlab.store.records import (
    AUDIT_COLUMNS,
    WINDOW_COLUMNS,
    AuditRow,
    ErrorRecord,
    LabelOutcome,
    LabelRecord,
    PredictionGroup,
    PredictionRecord,
    ServedVersion,
    StoredAlert,
    StoredDecision,
    StoredRun,
)

__all__ = [
    "AUDIT_COLUMNS",
    "WINDOW_COLUMNS",
    "AlertLog",
    "AuditLog",
    "AuditRow",
    "DecisionLog",
    "ErrorRecord",
    "LabelOutcome",
    "LabelRecord",
    "PredictionGroup",
    "PredictionRecord",
    "PredictionSink",
    "RunHistory",
    "RunLog",
    "ServedVersion",
    "Store",
    "StoredAlert",
    "StoredDecision",
    "StoredRun",
    "WindowSource",
]
