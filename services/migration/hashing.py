"""The per-value hashes of column fingerprints, computed over a whole Arrow array at once.

Each family is the one a target engine computes in SQL (models.migration_run.ChecksumHash):
PostgreSQL's own 64-bit hash (hashtextextended: Bob Jenkins' lookup3, as hash_bytes_extended
in its src/common/hashfn.c computes it on a little-endian server) runs here in numpy, about
20 ns a short value. CRC-32 and MD5 have no vectorised form in Arrow or numpy: zlib and
hashlib hash each DISTINCT value once (HIS columns repeat codes, dates and doctors), about
80 ns and 350 ns a value.
"""

from __future__ import annotations

import hashlib
import zlib

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from models.migration_run import ChecksumHash

_U32 = np.uint32
# Byte masks of the last 0..4 bytes of a word.
_TAIL_MASKS = np.array([0, 0xFF, 0xFFFF, 0xFFFFFF, 0xFFFFFFFF], dtype=np.uint32)


def hash_each(family: ChecksumHash, values: pa.Array) -> np.ndarray:
    """The 64-bit hash (uint64) of each value of a binary array; what NULL slots get is
    unspecified (callers mask them)."""
    binary = values.cast(pa.large_binary())
    if family is ChecksumHash.LOOKUP3:
        return _lookup3(binary)
    encoded = pc.dictionary_encode(binary)  # each distinct value once, in C++
    distinct = encoded.dictionary.to_pylist()
    function = zlib.crc32 if family is ChecksumHash.CRC32 else _md5_64
    hashed = np.fromiter(map(function, distinct), dtype=np.uint64, count=len(distinct))
    indices = pc.fill_null(encoded.indices, 0).to_numpy(zero_copy_only=False)
    return hashed[indices] if len(hashed) else np.zeros(len(binary), np.uint64)


def _md5_64(value: bytes) -> int:
    return int.from_bytes(hashlib.md5(value, usedforsecurity=False).digest()[:8], "big")


# --- lookup3 ------------------------------------------------------------------------------------


def _rot(x: np.ndarray, k: int) -> np.ndarray:
    return (x << _U32(k)) | (x >> _U32(32 - k))


def _mix(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> None:
    # In place, on views: each row is one key's state.
    a -= c
    a ^= _rot(c, 4)
    c += b
    b -= a
    b ^= _rot(a, 6)
    a += c
    c -= b
    c ^= _rot(b, 8)
    b += a
    a -= c
    a ^= _rot(c, 16)
    c += b
    b -= a
    b ^= _rot(a, 19)
    a += c
    c -= b
    c ^= _rot(b, 4)
    b += a


def _final(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> None:
    c ^= b
    c -= _rot(b, 14)
    a ^= c
    a -= _rot(c, 11)
    b ^= a
    b -= _rot(a, 25)
    c ^= b
    c -= _rot(b, 16)
    a ^= c
    a -= _rot(c, 4)
    b ^= a
    b -= _rot(a, 14)
    c ^= b
    c -= _rot(b, 24)


def _lookup3(values: pa.Array) -> np.ndarray:
    """hash_bytes_extended(value, seed 0) of each value: 12-byte blocks mixed while more than
    11 bytes remain, the last 0..11 bytes added (the lowest byte of c is left for the length),
    then final(); the result is b << 32 | c."""
    count = len(values)
    if count == 0:
        return np.zeros(0, np.uint64)
    offsets = np.frombuffer(values.buffers()[1], np.int64, count + 1, values.offset * 8)
    raw = values.buffers()[2]
    data = np.frombuffer(raw, np.uint8) if raw is not None else np.zeros(0, np.uint8)
    # Zeros after the last value: a word read past a value's end stays inside the buffer.
    data = np.concatenate([data[: offsets[-1]], np.zeros(16, np.uint8)])
    # A little-endian uint32 starting at every byte (an unaligned view, no copy).
    words = np.ndarray((len(data) - 3,), "<u4", data, 0, (1,))
    lengths = np.diff(offsets)
    blocks = lengths // 12
    # Longest keys first, so the keys still mixing at block j are a prefix (views, no copies).
    order = np.argsort(-blocks, kind="stable")
    starts, blocks, lengths = offsets[:-1][order], blocks[order], lengths[order]
    a = (lengths.astype(np.uint32) + _U32(0x9E3779B9 + 3923095)).astype(np.uint32)
    b, c = a.copy(), a.copy()
    still_mixing = count - np.cumsum(np.bincount(blocks))
    with np.errstate(over="ignore"):
        for block, rows in enumerate(still_mixing[:-1].tolist()):
            at = starts[:rows] + 12 * block
            a_, b_, c_ = a[:rows], b[:rows], c[:rows]
            a_ += words[at]
            b_ += words[at + 4]
            c_ += words[at + 8]
            _mix(a_, b_, c_)
        tail = lengths - 12 * blocks
        at = starts + 12 * blocks
        a += words[at] & _TAIL_MASKS[np.clip(tail, 0, 4)]
        b += words[at + 4] & _TAIL_MASKS[np.clip(tail - 4, 0, 4)]
        c += (words[at + 8] & _TAIL_MASKS[np.clip(tail - 8, 0, 3)]) << _U32(8)
        _final(a, b, c)
    hashed = np.empty(count, np.uint64)
    hashed[order] = (b.astype(np.uint64) << np.uint64(32)) | c
    return hashed
