"""Pure drift statistics, one per module, and their catalogue.

Each statistic imports scipy inside its function: importing scipy.stats takes about 0.7 s,
which every process importing the monitoring core would pay before computing anything.
"""

from driftlab.stats._result import TestResult
from driftlab.stats.anderson import anderson
from driftlab.stats.catalogue import CATALOGUE, StatEntry, default_stats, get_stat
from driftlab.stats.chi2 import chi2
from driftlab.stats.correction import adjust_p_values
from driftlab.stats.cvm import cvm
from driftlab.stats.energy import energy
from driftlab.stats.fisher import fisher
from driftlab.stats.gtest import gtest
from driftlab.stats.hellinger import hellinger
from driftlab.stats.jensen_shannon import jensen_shannon
from driftlab.stats.kl import kl
from driftlab.stats.ks import ks
from driftlab.stats.mannwhitney import mannwhitney
from driftlab.stats.psi import psi
from driftlab.stats.tvd import tvd
from driftlab.stats.wasserstein import wasserstein
from driftlab.stats.welch import welch
from driftlab.stats.ztest import ztest

__all__ = [
    "CATALOGUE",
    "StatEntry",
    "TestResult",
    "adjust_p_values",
    "anderson",
    "chi2",
    "cvm",
    "default_stats",
    "energy",
    "fisher",
    "get_stat",
    "gtest",
    "hellinger",
    "jensen_shannon",
    "kl",
    "ks",
    "mannwhitney",
    "psi",
    "tvd",
    "wasserstein",
    "welch",
    "ztest",
]
