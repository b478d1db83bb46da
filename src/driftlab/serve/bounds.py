"""Bounds on what an untrusted body can cost: its nesting depth, the digits of its integers,
the number of validation problems built and reported, and the size of each echoed value.

Without them one request could make the server recurse 1,000 levels (a 500), build 80,000
error objects from an 850 KB body (seconds with the event loop stopped) and send back an
8.5 MB answer. Records are flat JSON objects of scalars: nothing valid comes near a bound.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Sequence
from typing import Any

import orjson
from fastapi import HTTPException
from pydantic import TypeAdapter, ValidationError

__all__ = [
    "ECHO_CHARS",
    "MAX_DEPTH",
    "MAX_INT_DIGITS",
    "MAX_PROBLEMS",
    "NESTED_TOO_DEEP",
    "NumberTooLongError",
    "bounded_int",
    "echo",
    "problem_detail",
    "problems",
    "too_deep",
    "validate_records",
]

MAX_DEPTH = 64  # levels of nested arrays/objects; a list of records has 2
MAX_INT_DIGITS = 4300  # Python's own default limit for int(str); a float holds 309 digits
MAX_PROBLEMS = 20  # problems listed in one 422 answer; the rest are counted
ECHO_CHARS = 200  # characters of an offending value's JSON echoed back
_ECHO_DEPTH = 16  # deeper containers in an echo are written "…"
# Records validated per call: pydantic builds every error of a call, so a 1 MB list of empty
# objects (680,000 errors) held the event loop for a second; per chunk the work stops at the
# first chunk that has a problem.
_CHUNK = 1000
_UNKNOWN = "unknown field; remove it or add it to the project's [[features]]"
NESTED_TOO_DEEP = (
    f"request body nests arrays or objects more than {MAX_DEPTH} levels deep; send one record "
    "as a flat JSON object, or a JSON array of them"
)


class NumberTooLongError(ValueError):
    """An integer in a JSON body with more digits than :data:`MAX_INT_DIGITS`."""

    def __init__(self, digits: int) -> None:
        super().__init__(
            f"request body has an integer of {digits:,} digits; the limit is {MAX_INT_DIGITS:,}: "
            "send numbers within the range of a 64-bit float"
        )


def bounded_int(text: str) -> int:
    """``int(text)`` for the json module's ``parse_int``, refusing more than
    :data:`MAX_INT_DIGITS` digits with :class:`NumberTooLongError` (the json module's own
    ValueError would be a 500).

    >>> bounded_int("-42")
    -42
    >>> bounded_int("9" * 5000)
    Traceback (most recent call last):
    ...
    driftlab.serve.bounds.NumberTooLongError: request body has an integer of 5,000 digits; ...
    """
    digits = len(text) - text.startswith("-")
    if digits > MAX_INT_DIGITS:
        raise NumberTooLongError(digits)
    return int(text)


def too_deep(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether parsed JSON nests arrays/objects more than ``limit`` levels (a flat record is
    1 level, a list of records 2). Level by level, without recursion, each container visited
    once; stops at the first level past ``limit``.

    >>> too_deep([{"x": 1}], 2), too_deep([{"x": [1]}], 2), too_deep(7, 0)
    (False, True, False)
    >>> deep = []
    >>> for _ in range(5000): deep = [deep]
    >>> too_deep(deep)
    True
    """
    level = [value] if type(value) is dict or type(value) is list else []
    depth = 0
    while level:
        depth += 1
        if depth > limit:
            return True
        below: list[Any] = []
        for container in level:
            items = container.values() if type(container) is dict else container
            below.extend([v for v in items if type(v) is dict or type(v) is list])
        level = below
    return False


def echo(value: Any) -> Any:
    """``value`` as an error body may echo it: unchanged when short and valid JSON, else the
    first :data:`ECHO_CHARS` characters of its JSON text followed by "…". The work is bounded
    whatever the size or depth of ``value``; JSON has no Infinity or NaN, so those are text.

    >>> echo("big"), echo(1.5), echo(float("inf")), echo([1, {"a": None}])
    ('big', 1.5, 'inf', [1, {'a': None}])
    >>> short = echo("x" * 5000); len(short), short[-2:]
    (201, 'x…')
    >>> echo(int("9" * 300))[-3:]
    '99…'
    >>> deep = []
    >>> for _ in range(5000): deep = [deep]
    >>> echo(deep) == json.loads("[" * 16 + '"…"' + "]" * 16)  # 16 levels, then "…"
    True
    >>> echo({f"k{i}": i for i in range(80000)})[:20]
    '{"k0":0,"k1":1,"k2":'
    """
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, str):
        return value if len(value) <= ECHO_CHARS else value[:ECHO_CHARS] + "…"
    parts: list[str] = []
    size = 0
    for token in _tokens(value, 0):
        parts.append(token)
        size += len(token)
        if size > ECHO_CHARS:
            return "".join(parts)[:ECHO_CHARS] + "…"
    text = "".join(parts)
    # Short enough: echoed as the JSON value it was (an int stays an int, a list a list).
    return orjson.loads(text)


def _tokens(value: Any, depth: int) -> Iterator[str]:
    """JSON text of ``value``, lazily, piece by piece: the caller stops when it has enough.
    Strings are cut at ECHO_CHARS + 1 characters before they are encoded."""
    if type(value) is dict or type(value) in (list, tuple):
        if depth >= _ECHO_DEPTH:
            yield '"…"'
            return
        is_dict = type(value) is dict
        yield "{" if is_dict else "["
        for i, item in enumerate(value.items() if is_dict else value):
            if i:
                yield ","
            if is_dict:
                key, item = item
                yield json.dumps(str(key)[: ECHO_CHARS + 1])
                yield ":"
            yield from _tokens(item, depth + 1)
        yield "}" if is_dict else "]"
    elif value is None or isinstance(value, bool):
        yield json.dumps(value)
    elif isinstance(value, float):
        yield json.dumps(value if math.isfinite(value) else str(value))
    elif isinstance(value, int):
        try:
            yield str(value)
        except ValueError:  # past Python's own int-to-text limit
            yield '"an integer of more than 4,300 digits"'
    else:
        yield json.dumps(str(value)[: ECHO_CHARS + 1])


def _problem(error: Any, loc: list[Any], record: int | None) -> dict[str, Any]:
    field = echo(".".join(str(p) for p in loc)) or None
    problem = error["msg"]
    if error["type"] == "extra_forbidden":
        problem = _UNKNOWN
    elif error["type"] == "missing":
        problem = "required field is missing"
    item: dict[str, Any] = {"field": field, "problem": problem}
    if error["type"] != "missing":
        item["input"] = echo(error.get("input"))
    if record is not None:
        item["record"] = record
    return item


def problems(
    err: ValidationError | Any, *, list_body: bool, record: int | None = None,
    limit: int = MAX_PROBLEMS,
) -> list[dict[str, Any]]:  # fmt: skip
    """At most ``limit`` of ``err``'s errors as ``{field, problem, input, record}`` items, each
    echo bounded (:func:`echo`). ``record`` is the index of a list body's record: taken from
    the error's location when ``list_body``, or given for an error of one record of a list."""
    out = []
    for e in err.errors():
        if len(out) >= limit:
            break
        loc = [p for p in e["loc"] if p != "body"]
        at = loc.pop(0) if list_body and loc and isinstance(loc[0], int) else record
        out.append(_problem(e, loc, at))
    return out


def problem_detail(items: list[dict[str, Any]], total: int, **extra: Any) -> dict[str, Any]:
    """The ``detail`` of a 422: the listed problems and, when some were left out, their count.

    >>> problem_detail([{"field": "x"}], 80_016)
    {'problems': [{'field': 'x'}], 'problems_not_shown': 80015}
    """
    detail: dict[str, Any] = {"problems": items}
    if total > len(items):
        detail["problems_not_shown"] = total - len(items)
    return {**detail, **extra}


def validate_records(
    body: Any, one: TypeAdapter[Any], many: TypeAdapter[Any], declared: frozenset[str]
) -> Any:
    """``body`` (one record, or a list of them) validated with ``one`` or ``many``; raises
    HTTP 422 listing at most :data:`MAX_PROBLEMS` problems, or 400 when it nests more than
    :data:`MAX_DEPTH` levels.

    The work is bounded: a record with more keys than the ``declared`` fields is refused for
    its unknown keys before validation (80,000 unknown keys made 80,000 error objects), a list
    is validated :data:`_CHUNK` records at a time up to the first chunk with a problem, and
    only the listed problems are built (re-validating that chunk record by record).
    """
    is_list = isinstance(body, list)
    records: Sequence[Any] = body if is_list else [body]
    _refuse_unknown_keys(records, declared, is_list=is_list)
    if not is_list:
        try:
            return one.validate_python(body)
        except ValidationError as e:
            if too_deep(body):
                raise HTTPException(400, NESTED_TOO_DEEP) from None
            raise HTTPException(
                422, problem_detail(problems(e, list_body=False), e.error_count())
            ) from None
    if len(body) <= _CHUNK:  # every predict request (serve.max_batch_records)
        chunks = [(0, body)]
    else:
        chunks = [(s, body[s : s + _CHUNK]) for s in range(0, len(body), _CHUNK)]
    parsed: list[Any] = []
    for start, chunk in chunks:
        try:
            parsed.extend(many.validate_python(chunk))
        except ValidationError as e:
            if too_deep(chunk):
                raise HTTPException(400, NESTED_TOO_DEEP) from None
            raise _invalid_chunk(e, chunk, start, len(body), one) from None
    return parsed


def _invalid_chunk(
    err: ValidationError, chunk: list[Any], start: int, n_records: int, one: TypeAdapter[Any]
) -> HTTPException:
    total = err.error_count()
    if total <= MAX_PROBLEMS:
        items = problems(err, list_body=True)
        for item in items:
            if "record" in item:
                item["record"] += start
    else:  # build only what is listed: record by record until enough
        items = []
        for i, record in enumerate(chunk):
            try:
                one.validate_python(record)
            except ValidationError as e:
                left = MAX_PROBLEMS - len(items)
                items.extend(problems(e, list_body=False, record=start + i, limit=left))
                if len(items) >= MAX_PROBLEMS:
                    break
    unchecked = n_records - start - len(chunk)
    extra = {"records_not_checked": unchecked} if unchecked else {}
    return HTTPException(422, problem_detail(items, total, **extra))


def _refuse_unknown_keys(
    records: Sequence[Any], declared: frozenset[str], *, is_list: bool
) -> None:
    n = len(declared)
    over = [i for i, r in enumerate(records) if type(r) is dict and len(r) > n]
    if not over:
        return
    items: list[dict[str, Any]] = []
    total = 0
    for i in over:
        record = records[i]
        unknown = record.keys() - declared
        total += len(unknown)
        for key in record:
            if len(items) >= MAX_PROBLEMS:
                break
            if key in unknown:
                item = {
                    "field": echo(key),
                    "problem": _UNKNOWN,
                    "input": echo(record[key]),
                }
                if is_list:
                    item["record"] = i
                items.append(item)
    raise HTTPException(422, problem_detail(items, total))
