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
_U64 = np.uint64


def _byte_mask(count: int) -> int:
    return (1 << (8 * max(0, min(count, 4)))) - 1


# Masks of the bytes of words a, b and c that a tail of 0..11 bytes fills (c's lowest byte is
# left for the length, so it takes 3 at most).
_TAIL_A = np.array([_byte_mask(tail) for tail in range(12)], np.uint32)
_TAIL_B = np.array([_byte_mask(tail - 4) for tail in range(12)], np.uint32)
_TAIL_C = np.array([_byte_mask(min(tail - 8, 3)) for tail in range(12)], np.uint32)


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


def _load8(aligned: np.ndarray, at: np.ndarray) -> np.ndarray:
    """The little-endian uint64 of the 8 bytes at each byte offset `at`, from two aligned
    loads (numpy gathers from an unaligned view at several times the cost)."""
    word, shift = at >> _U64(3), (at & _U64(7)) << _U64(3)
    # (x << 1) << (63 - shift) is x << (64 - shift), which is 0 for shift 0 as wanted.
    return (aligned[word] >> shift) | ((aligned[word + _U64(1)] << _U64(1)) << (_U64(63) - shift))


def _words(aligned: np.ndarray, at: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The three little-endian uint32 words of the 12 bytes at each byte offset `at`."""
    first = _load8(aligned, at)
    third = _load8(aligned, at + _U64(8))
    low = _U64(0xFFFFFFFF)
    return (first & low).astype(_U32), (first >> _U64(32)).astype(_U32), (third & low).astype(_U32)


def _lookup3(values: pa.Array) -> np.ndarray:
    """hash_bytes_extended(value, seed 0) of each value: 12-byte blocks mixed while 12 or more
    bytes remain, the last 0..11 bytes added (the lowest byte of c is left for the length),
    then final(); the result is b << 32 | c."""
    count = len(values)
    if count == 0:
        return np.zeros(0, np.uint64)
    offsets = np.frombuffer(values.buffers()[1], np.int64, count + 1, values.offset * 8)
    raw = values.buffers()[2]
    data = np.frombuffer(raw, np.uint8) if raw is not None else np.zeros(0, np.uint8)
    # A copy padded with zeros to whole 8-byte words, and two words more: a load past a
    # value's end stays inside the buffer.
    end = int(offsets[-1])
    padded = np.zeros((end + 7) // 8 * 8 + 24, np.uint8)
    padded[:end] = data[:end]
    aligned = padded.view("<u8")
    lengths = np.diff(offsets)
    blocks = lengths // 12
    starts = offsets[:-1].astype(np.uint64)
    longest = int(blocks.max())
    order = None
    if longest:  # longest keys first, so the keys still mixing at block j are a prefix
        order = np.argsort(-blocks, kind="stable")
        starts, blocks, lengths = starts[order], blocks[order], lengths[order]
    a = (lengths.astype(np.uint32) + _U32(0x9E3779B9 + 3923095)).astype(np.uint32)
    b, c = a.copy(), a.copy()
    with np.errstate(over="ignore"):
        if longest:
            still_mixing = count - np.cumsum(np.bincount(blocks))
            for block, rows in enumerate(still_mixing[:-1].tolist()):
                a_, b_, c_ = a[:rows], b[:rows], c[:rows]
                word_a, word_b, word_c = _words(aligned, starts[:rows] + _U64(12 * block))
                a_ += word_a
                b_ += word_b
                c_ += word_c
                _mix(a_, b_, c_)
        tail = lengths - 12 * blocks
        word_a, word_b, word_c = _words(aligned, starts + (12 * blocks).astype(np.uint64))
        a += word_a & _TAIL_A[tail]
        b += word_b & _TAIL_B[tail]
        c += (word_c & _TAIL_C[tail]) << _U32(8)
        _final(a, b, c)
    hashed = (b.astype(np.uint64) << _U64(32)) | c
    if order is None:
        return hashed
    unsorted = np.empty(count, np.uint64)
    unsorted[order] = hashed
    return unsorted
