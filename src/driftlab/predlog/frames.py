"""The spool's on-disk format: a segment is MAGIC followed by frames; a frame is one request's
prediction records.

A frame is ``<u32 payload length><u32 record count><u32 crc32(count + payload)><payload>``
(little endian). The length says where the next frame starts, the CRC tells a torn or flipped
frame from a good one. The payload is JSON, in one of two forms (both are read):

- an array of records (``encode_records``), one object per prediction;
- an object of columns (``encode_group``, what the API writes): ``{"v": 2, "ts", "model_name",
  "model_version", "latency_ms"`` once, then one list per column. A 1,000-record request
  encodes in a quarter of the time and decodes without parsing its time 1,000 times.
"""

from __future__ import annotations

import json
import struct
import zlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from driftlab.store import PredictionGroup, PredictionRecord

__all__ = [
    "HEADER", "MAGIC", "Salvage", "Scan", "decode_frames", "decode_records", "encode_group",
    "encode_records", "frame", "salvage", "scan",
]  # fmt: skip

MAGIC = b"DLSPOOL1"
HEADER = struct.Struct("<III")


def frame(payload: bytes, n_records: int) -> bytes:
    """One framed entry: header (length, count, crc32 of count + payload), then payload."""
    count = struct.pack("<I", n_records)
    crc = zlib.crc32(payload, zlib.crc32(count))
    return HEADER.pack(len(payload), n_records, crc) + payload


@dataclass
class Scan:
    good_end: int  # offset just past the last valid frame
    records: int
    frames: int
    problem: str | None  # why the bytes after good_end are not valid frames


def scan(data: bytes) -> Scan:
    """Validate a segment's bytes frame by frame; stop at the first bad one.

    >>> data = MAGIC + frame(b'["a"]', 1) + frame(b'["b","c"]', 2)
    >>> found = scan(data)
    >>> found.records, found.frames, found.problem, found.good_end == len(data)
    (3, 2, None, True)
    >>> scan(data[:-1]).problem, scan(data[:-1]).records
    ('torn frame (shorter than its length)', 1)
    """
    if len(data) < len(MAGIC):
        # A segment created just before a crash may not even have its magic yet.
        problem = None if data == MAGIC[: len(data)] else "not a spool file (bad magic)"
        return Scan(0, 0, 0, problem if data else None)
    if not data.startswith(MAGIC):
        return Scan(0, 0, 0, "not a spool file (bad magic)")
    pos, records, frames = len(MAGIC), 0, 0
    while pos < len(data):
        if len(data) - pos < HEADER.size:
            return Scan(pos, records, frames, "torn frame header")
        length, count, crc = HEADER.unpack_from(data, pos)
        start = pos + HEADER.size
        if start + length > len(data):
            return Scan(pos, records, frames, "torn frame (shorter than its length)")
        if zlib.crc32(data[start : start + length], zlib.crc32(struct.pack("<I", count))) != crc:
            return Scan(pos, records, frames, "crc mismatch")
        pos = start + length
        records += count
        frames += 1
    return Scan(pos, records, frames, None)


def _frame_at(data: bytes, pos: int) -> tuple[int, int] | str:
    """The (end, record count) of a valid frame at ``pos``, or why there is none."""
    if len(data) - pos < HEADER.size:
        return "torn frame header"
    length, count, crc = HEADER.unpack_from(data, pos)
    start = pos + HEADER.size
    if start + length > len(data):
        return "torn frame (shorter than its length)"
    if zlib.crc32(data[start : start + length], zlib.crc32(struct.pack("<I", count))) != crc:
        return "crc mismatch"
    return start + length, count


@dataclass(frozen=True)
class Salvage:
    """Every valid frame of a damaged segment and the byte ranges between them."""

    frames: list[tuple[int, int]]  # [start, end) of each valid frame, in order
    records: int
    bad: list[tuple[int, int, str]]  # [start, end) of each damaged range, and why


def salvage(data: bytes) -> Salvage:
    """Every frame of ``data`` (a segment) that validates, resynchronizing after damage: at a
    bad frame (torn, impossible length, crc mismatch) it moves forward one byte at a time
    until a header's length and crc check out again, so one flipped bit costs one frame, not
    every frame after it. A false resync needs a random 32-bit crc to match (odds 2**-32 per
    byte tried).

    >>> a, b, c = frame(b'["a"]', 1), frame(b'["b"]', 1), frame(b'["c","d"]', 2)
    >>> hurt = bytearray(MAGIC + a + b + c)
    >>> hurt[len(MAGIC) + len(a) + 14] ^= 0x01  # one bit inside b's payload
    >>> found = salvage(bytes(hurt))
    >>> found.records, found.bad == [(8 + len(a), 8 + len(a) + len(b), "crc mismatch")]
    (3, True)
    >>> salvage(MAGIC + a + b"junk" + c).records, salvage(MAGIC + a + c[:-1]).bad[0][2]
    (3, 'torn frame (shorter than its length)')
    """
    frames: list[tuple[int, int]] = []
    bad: list[tuple[int, int, str]] = []
    records = 0
    pos = 0
    if not data.startswith(MAGIC):
        if len(data) < len(MAGIC) and data == MAGIC[: len(data)]:
            return Salvage([], 0, [])  # created just before a crash: nothing written yet
        # A damaged magic: the frames after it may still be whole.
        bad_start: int | None = 0
        why: str | None = "not a spool file (bad magic)"
    else:
        bad_start, why = None, None
    pos = len(MAGIC)
    while pos < len(data):
        found = _frame_at(data, pos)
        if isinstance(found, str):
            if bad_start is None:
                bad_start, why = pos, found
            pos += 1
            continue
        if bad_start is not None:
            bad.append((bad_start, pos, why or "damaged"))
            bad_start = None
        frames.append((pos, found[0]))
        records += found[1]
        pos = found[0]
    if bad_start is not None:
        bad.append((bad_start, max(len(data), bad_start), why or "damaged"))
    return Salvage(frames, records, bad)


def _plain(value: Any) -> Any:
    # numpy scalars from a model (np.float64, np.int64) become their Python value.
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


_ORJSON = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS


def encode_records(records: list[PredictionRecord]) -> bytes:
    """One frame's payload. orjson, 4× faster than json here (a 1,000-record request spent
    a tenth of its time encoding): it writes NaN as null, which the store does anyway. What
    it cannot write (an integer past 64 bits) falls back to json.

    >>> from datetime import UTC, datetime
    >>> r = PredictionRecord("id", datetime(2026, 1, 2, tzinfo=UTC), "m", "1", {"x": 1.5},
    ...                      "a", 0.5, 2.0, {"a": 0.5, "b": 0.5})
    >>> decode_records(encode_records([r])) == [r]
    True
    """
    try:
        # orjson writes the dataclasses themselves (ts as ISO 8601, as isoformat() does).
        return orjson.dumps(records, option=_ORJSON, default=_plain)
    except orjson.JSONEncodeError:
        pass
    items = [
        {
            "request_id": r.request_id,
            "ts": r.ts.isoformat(),
            "model_name": r.model_name,
            "model_version": r.model_version,
            "features": r.features,
            "prediction": r.prediction,
            "probability": r.probability,
            "latency_ms": r.latency_ms,
            "probabilities": r.probabilities,
            "attributes": r.attributes,
        }
        for r in records
    ]
    return json.dumps(items, separators=(",", ":"), default=_plain).encode()


def encode_group(group: PredictionGroup) -> bytes:
    """One frame's payload for the predictions of one request, column by column.

    >>> from datetime import UTC, datetime
    >>> g = PredictionGroup(datetime(2026, 1, 2, tzinfo=UTC), "m", "1", 2.0, ["a", "b"],
    ...                     [{"x": 1.5}, {"x": None}], ["yes", "no"], [0.75, 0.25],
    ...                     [{"no": 0.25, "yes": 0.75}, {"no": 0.75, "yes": 0.25}])
    >>> decode_records(encode_group(g)) == g.records()
    True
    """
    columns = {
        "v": 2,
        "ts": group.ts,
        "model_name": group.model_name,
        "model_version": group.model_version,
        "latency_ms": group.latency_ms,
        "request_id": group.request_ids,
        "features": group.features,
        "prediction": group.predictions,
        "probability": group.probability,
        "probabilities": group.probabilities,
        "attributes": group.attributes,
    }
    try:
        return orjson.dumps(columns, option=_ORJSON, default=_plain)
    except orjson.JSONEncodeError:  # an integer past 64 bits: the json module writes it
        columns["ts"] = group.ts.isoformat()
        return json.dumps(columns, separators=(",", ":"), default=_plain).encode()


def decode_records(payload: bytes) -> list[PredictionRecord]:
    try:
        items = orjson.loads(payload)
    except orjson.JSONDecodeError:  # frames written by json before: NaN literals
        items = json.loads(payload)
    if isinstance(items, dict):  # a group (encode_group): columns
        return PredictionGroup(
            datetime.fromisoformat(items["ts"]), items["model_name"], items["model_version"],
            items["latency_ms"], items["request_id"], items["features"], items["prediction"],
            items["probability"], items["probabilities"], items["attributes"],
        ).records()  # fmt: skip
    return [
        PredictionRecord(**{**item, "ts": datetime.fromisoformat(item["ts"])}) for item in items
    ]


def decode_frames(payloads: list[bytes]) -> list[PredictionRecord]:
    """The records of several frames' payloads, in order."""
    return [r for payload in payloads for r in decode_records(payload)]
