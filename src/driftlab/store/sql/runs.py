"""What monitoring leaves behind: runs, alerts, the compliance audit log, retraining decisions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from driftlab.errors import UnknownRunError
from driftlab.store.codec import finite, utc
from driftlab.store.records import (
    AUDIT_COLUMNS,
    AuditRow,
    StoredAlert,
    StoredDecision,
    StoredRun,
)
from driftlab.store.sql.core import SqlCore, store_errors
from driftlab.store.sql.tables import (
    alert_claims,
    alerts,
    compliance_audit,
    decisions,
    monitoring_runs,
    utc_bound,
)

__all__ = ["RunsMixin"]


def _run(row: Any) -> StoredRun:
    return StoredRun(
        id=row.id,
        ts=utc(row.ts),  # type: ignore[arg-type]
        model_name=row.model_name,
        model_version=row.model_version,
        n_rows=row.n_rows,
        n_alerts=row.n_alerts,
        result=row.result,
    )


class RunsMixin(SqlCore):
    """RunLog, AlertLog, AuditLog and DecisionLog over SQL."""

    # -- monitoring runs -----------------------------------------------------------------
    @store_errors
    def save_run(self, model_name: str, model_version: str | None, result: dict[str, Any]) -> int:
        with self.engine.begin() as conn:
            res = conn.execute(
                monitoring_runs.insert().values(
                    ts=datetime.now(UTC),
                    model_name=model_name,
                    model_version=model_version,
                    n_rows=int(result.get("n_rows", 0)),
                    n_alerts=len(result.get("alerts", [])),
                    result=result,
                )
            )
        return int(res.inserted_primary_key[0])

    @store_errors
    def runs(
        self, model_name: str | None = None, limit: int = 50, *, until_id: int | None = None
    ) -> list[StoredRun]:
        q = sa.select(monitoring_runs).order_by(monitoring_runs.c.id.desc()).limit(limit)
        if model_name:
            q = q.where(monitoring_runs.c.model_name == model_name)
        if until_id is not None:
            q = q.where(monitoring_runs.c.id <= until_id)
        with self.engine.connect() as conn:
            return [_run(r) for r in conn.execute(q)]

    @store_errors
    def get_run(self, run_id: int) -> StoredRun:
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(monitoring_runs).where(monitoring_runs.c.id == run_id)
            ).first()
        if row is None:
            raise UnknownRunError(f"no monitoring run with id {run_id}; 'driftlab runs' lists them")
        return _run(row)

    # -- alerts --------------------------------------------------------------------------
    @store_errors
    def save_alerts(self, run_id: int, items: list[dict[str, Any]]) -> None:
        if not items:
            return
        now = datetime.now(UTC)
        with self.engine.begin() as conn:
            conn.execute(
                alerts.insert(),
                [
                    {
                        "run_id": run_id,
                        "ts": now,
                        "fingerprint": a["fingerprint"],
                        "kind": a["kind"],
                        "severity": a["severity"],
                        "subject": a.get("subject"),
                        "message": a["message"],
                        "sent": bool(a.get("sent", False)),
                    }
                    for a in items
                ],
            )
            # The cooldown counts from the stored send, as last_alert_sent does. One statement
            # per fingerprint: an upsert may not touch a row twice.
            for fingerprint in dict.fromkeys(a["fingerprint"] for a in items if a.get("sent")):
                conn.execute(self._claim(fingerprint, now, later_only=True))

    def _claim(
        self, fingerprint: str, at: datetime, *, later_only: bool, cutoff: Any = None
    ) -> Any:
        """Record a send of ``fingerprint`` at ``at`` in one statement: a new row, or the row
        updated when its last send is at or before ``cutoff`` (``later_only``: before ``at``)."""
        c = alert_claims
        insert = postgresql.insert if self.dialect == "postgresql" else sqlite.insert
        stmt = insert(c).values(fingerprint=fingerprint, sent_at=utc_bound(at))
        bound = stmt.excluded.sent_at if later_only else utc_bound(cutoff)
        return stmt.on_conflict_do_update(
            index_elements=[c.c.fingerprint],
            set_={"sent_at": stmt.excluded.sent_at},
            where=(c.c.sent_at < bound) if later_only else (c.c.sent_at <= bound),
        )

    @store_errors
    def claim_alert(self, fingerprint: str, now: datetime, cooldown: timedelta) -> bool:
        # One conditional upsert: the database serializes two runs' statements on the row,
        # and the second sees the first's send (PostgreSQL re-checks the WHERE on the row it
        # waited for; SQLite runs one writer at a time).
        claim = self._claim(fingerprint, now, later_only=False, cutoff=now - cooldown)
        with self.engine.begin() as conn:
            # RETURNING rather than rowcount: psycopg reports no rowcount for an upsert.
            won = conn.execute(claim.returning(alert_claims.c.fingerprint)).first()
        return won is not None

    @store_errors
    def release_alert(self, fingerprint: str, claimed_at: datetime) -> None:
        c = alerts
        with self.engine.begin() as conn:
            last = conn.execute(
                sa.select(sa.func.max(c.c.ts)).where(
                    c.c.fingerprint == fingerprint, c.c.sent.is_(True)
                )
            ).scalar()
            mine = (alert_claims.c.fingerprint == fingerprint) & (
                alert_claims.c.sent_at == utc_bound(claimed_at)
            )
            if last is None:
                conn.execute(alert_claims.delete().where(mine))
            else:
                conn.execute(alert_claims.update().where(mine).values(sent_at=last))

    @store_errors
    def last_alert_sent(self, fingerprint: str) -> datetime | None:
        q = sa.select(sa.func.max(alerts.c.ts)).where(
            alerts.c.fingerprint == fingerprint, alerts.c.sent.is_(True)
        )
        with self.engine.connect() as conn:
            return utc(conn.execute(q).scalar())

    @store_errors
    def alert_log(self, model_name: str, limit: int = 200) -> list[StoredAlert]:
        """The model's stored alerts and resolved notices, newest first, with whether any
        channel accepted them (``sent``; False also when the cooldown held them back)."""
        a, r = alerts, monitoring_runs
        q = (
            sa.select(a.c.id, a.c.run_id, a.c.ts, a.c.fingerprint, a.c.kind, a.c.severity,
                      a.c.subject, a.c.message, a.c.sent)
            .select_from(a.join(r, a.c.run_id == r.c.id))
            .where(r.c.model_name == model_name)
            .order_by(a.c.id.desc())
            .limit(limit)
        )  # fmt: skip
        with self.engine.connect() as conn:
            rows = conn.execute(q).all()
        return [
            StoredAlert(**{**row._asdict(), "ts": utc(row.ts), "sent": bool(row.sent)})
            for row in rows
        ]

    # -- retraining decisions ------------------------------------------------------------
    @store_errors
    def save_decision(self, model_name: str, decision: dict[str, Any]) -> int:
        with self.engine.begin() as conn:
            res = conn.execute(
                decisions.insert().values(
                    ts=datetime.now(UTC),
                    model_name=model_name,
                    promoted=bool(decision.get("promoted")),
                    decision=decision,
                )
            )
        return int(res.inserted_primary_key[0])

    @store_errors
    def decisions(self, model_name: str | None = None, limit: int = 50) -> list[StoredDecision]:
        q = sa.select(decisions).order_by(decisions.c.id.desc()).limit(limit)
        if model_name:
            q = q.where(decisions.c.model_name == model_name)
        with self.engine.connect() as conn:
            return [
                StoredDecision(r.id, utc(r.ts), r.model_name, bool(r.promoted), r.decision)  # type: ignore[arg-type]
                for r in conn.execute(q)
            ]

    # -- compliance audit ----------------------------------------------------------------
    @store_errors
    def save_audit(self, run_id: int, result: dict[str, Any]) -> int:
        compliance = result.get("compliance")
        if not compliance or not compliance.get("checks"):
            return 0
        now = datetime.now(UTC)
        rows = [
            {
                "ts": now, "run_id": run_id, "model_name": result["model_name"],
                "model_version": result.get("model_version"),
                "window_start": result.get("window_start"),
                "window_end": result.get("window_end"), "check": c["check"],
                "feature": c["feature"], "prohibited": bool(c["prohibited"]),
                "value": finite(c.get("value")),
                "ci_low": finite((c.get("interval") or [None, None])[0]),
                "ci_high": finite((c.get("interval") or [None, None])[1]),
                "reference": finite(c.get("reference")), "limit": finite(c.get("limit")),
                "n": int(c.get("n", 0)), "verdict": c["verdict"], "message": c["message"],
            }
            for c in compliance["checks"]
        ]  # fmt: skip
        with self.engine.begin() as conn:
            conn.execute(compliance_audit.insert(), rows)
        return len(rows)

    @store_errors
    def audit(
        self, model_name: str | None = None, *, limit: int = 100, feature: str | None = None
    ) -> list[AuditRow]:
        t = compliance_audit
        q = sa.select(*(t.c[c] for c in AUDIT_COLUMNS)).order_by(t.c.id.desc()).limit(limit)
        if model_name:
            q = q.where(t.c.model_name == model_name)
        if feature:
            q = q.where(t.c.feature == feature)
        with self.engine.connect() as conn:
            rows = [dict(r._mapping) for r in conn.execute(q)]
        return [AuditRow(**{**r, "ts": utc(r["ts"])}) for r in rows]
