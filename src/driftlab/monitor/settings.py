"""What a monitoring run needs of the project, built once by the job.

The monitoring core takes this value, not the whole :class:`~driftlab.config.Project`: a run
depends on the [monitor], [fairness] and [compliance] settings and the feature spec only, so
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
    features: tuple[Feature, ...]  # the project's spec: per-feature drift overrides
    prohibited_features: tuple[Feature, ...]  # what the model must not rely on

    @classmethod
    def of(cls, project: Project) -> MonitorSettings:
        return cls(
            monitor=project.monitor,
            fairness=project.fairness,
            compliance=project.compliance,
            primary_metric=project.primary_metric,
            features=tuple(project.features),
            prohibited_features=tuple(project.prohibited_features),
        )

    @property
    def protected_features(self) -> list[Feature]:
        return [f for f in self.features if f.is_protected]
