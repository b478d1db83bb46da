"""What a monitoring run needs of the project, built once by the job.

The monitoring core takes this value, not the whole :class:`~driftlab.config.Project`: a run
depends on the [monitor], [fairness] and [compliance] settings and the prohibited features only, so
a test or a notebook can build one without a project file.
"""

from __future__ import annotations

from dataclasses import dataclass

from driftlab.config import ComplianceConfig, FairnessConfig, Feature, MonitorConfig, Project

__all__ = ["MonitorSettings"]


@dataclass(frozen=True)
class MonitorSettings:
    monitor: MonitorConfig
    fairness: FairnessConfig
    compliance: ComplianceConfig
    primary_metric: str  # the metric that decides performance findings
    prohibited_features: tuple[Feature, ...]  # what the model must not rely on

    @classmethod
    def of(cls, project: Project) -> MonitorSettings:
        return cls(
            monitor=project.monitor,
            fairness=project.fairness,
            compliance=project.compliance,
            primary_metric=project.primary_metric,
            prohibited_features=tuple(project.prohibited_features),
        )
