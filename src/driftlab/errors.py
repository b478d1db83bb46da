"""driftlab's exception tree.

Every error a user can cause derives from :class:`DriftlabError` *and* the builtin it most
resembles, so ``except ValueError`` keeps working for callers who do not know driftlab::

    DriftlabError
    ├── ConfigError(ValueError)          bad project file or setting
    ├── SchemaError(ValueError)          a record does not match the feature spec
    ├── DataError(ValueError)            a dataset or window cannot be used as asked
    │   └── InsufficientDataError        too few rows/labels for a verdict
    ├── RegistryError(RuntimeError)      model registry unreachable or inconsistent
    │   └── ModelNotFoundError(LookupError)
    ├── StoreError(RuntimeError)         prediction store unreachable or unwritable
    │   ├── StoreUnavailableError        the store could not be reached or written now (retry)
    │   ├── RecordRejectedError          the store refused a record for good (constraint, bad value)
    │   ├── UnknownRequestError(LookupError)
    │   ├── SpoolError                   the prediction log cannot take a record durably
    │   ├── JobLockedError               another run of the same job on the model holds its lock
    │   ├── LogFrameTooLargeError(ValueError)  one request's records exceed the log's frame limit
    │   └── UnknownRunError(LookupError)
    ├── AlertDeliveryError(RuntimeError) a channel did not accept an alert
    └── MissingDependencyError(ImportError)  an optional part is not installed

Messages name the thing at fault, show the offending value and say the fix.
"""

from __future__ import annotations

__all__ = [
    "AlertDeliveryError",
    "ConfigError",
    "DataError",
    "DriftlabError",
    "InsufficientDataError",
    "JobLockedError",
    "LogFrameTooLargeError",
    "MissingDependencyError",
    "ModelNotFoundError",
    "RecordRejectedError",
    "RegistryError",
    "SchemaError",
    "SpoolError",
    "StoreError",
    "StoreUnavailableError",
    "UnknownRequestError",
    "UnknownRunError",
    "first_line",
]


class DriftlabError(Exception):
    """Base of every error raised on purpose by driftlab."""


class ConfigError(DriftlabError, ValueError):
    """The project file or a setting is invalid."""


class SchemaError(DriftlabError, ValueError):
    """A record or a table does not match the feature spec."""


class DataError(DriftlabError, ValueError):
    """A dataset or a monitoring window cannot be used as asked."""


class InsufficientDataError(DataError):
    """Too few rows or labels to reach a verdict."""


class RegistryError(DriftlabError, RuntimeError):
    """The model registry is unreachable or inconsistent."""


class ModelNotFoundError(RegistryError, LookupError):
    """The requested model, version or alias does not exist."""


class StoreError(DriftlabError, RuntimeError):
    """The prediction store is unreachable or unwritable."""


class StoreUnavailableError(StoreError):
    """The store cannot be reached or written right now (connection refused, locked, read-only,
    disk full): the records are kept and the write is retried later."""


class RecordRejectedError(StoreError):
    """The store refused a record for good (a constraint or a value it cannot hold): retrying
    the same record would fail again, so the caller sets it aside."""


class UnknownRequestError(StoreError, LookupError):
    """A label names a request id that was never logged.

    ``unknown``: the first such labels as (position in the labels given, request id), in
    that order, so a caller loading a file can name their lines; ``count``: how many
    distinct ids were unknown.
    """

    def __init__(
        self, message: str, *, unknown: list[tuple[int, str]] | None = None, count: int = 0
    ) -> None:
        super().__init__(message)
        self.unknown = list(unknown or [])
        self.count = count or len(self.unknown)


class SpoolError(StoreError):
    """The prediction log cannot take records durably (its spool is full, its disk is full
    or failing): the API answers 503 rather than return a prediction it could lose."""


class JobLockedError(StoreError):
    """Another run of the same job on the same model holds its lock (``store.lock``): two
    monitor runs at once would send each alert twice, two retrains both promote."""

    def __init__(self, model_name: str, job: str, holder: str, waited_s: float) -> None:
        self.model_name, self.job, self.holder = model_name, job, holder
        waited = f" after waiting {waited_s:g} s" if waited_s > 0 else ""
        super().__init__(
            f"another {job!r} of model {model_name!r} is running ({holder}){waited}; "
            "wait for it to finish, then run again"
        )


class LogFrameTooLargeError(StoreError, ValueError):
    """One request's records are larger than the prediction log takes in one piece: no wait
    makes them fit, so the API answers 413 (not the 503 of a full spool)."""


class UnknownRunError(StoreError, LookupError):
    """No monitoring run has the requested id."""


class AlertDeliveryError(DriftlabError, RuntimeError):
    """An alert channel did not accept an alert."""


class MissingDependencyError(DriftlabError, ImportError):
    """An optional dependency is needed for this call; the message says what to install."""


def first_line(error: BaseException) -> str:
    """The first line of an error's text, for a one-line message; its class name when it has
    no text (``str(e).splitlines()[0]`` raises IndexError there).

    >>> first_line(ValueError("no such column\\nSQL: select ...")), first_line(KeyError())
    ('no such column', 'KeyError')
    """
    text = str(error)
    return text.splitlines()[0] if text.strip() else type(error).__name__
