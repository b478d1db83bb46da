"""Pure drift statistics, one per module, and their catalogue."""

from driftlab.stats._result import TestResult
from driftlab.stats.catalogue import CATALOGUE, StatEntry, get_stat
from driftlab.stats.chi2 import chi2
from driftlab.stats.correction import adjust_p_values
from driftlab.stats.ks import ks
from driftlab.stats.psi import psi

__all__ = [
    "CATALOGUE",
    "StatEntry",
    "TestResult",
    "adjust_p_values",
    "chi2",
    "get_stat",
    "ks",
    "psi",
]
