"""The raw value bytes of an Arrow text or binary array, for byte searches that would cost a
whole compute kernel per array otherwise (most HIS columns hold no tab, no backslash, no NUL:
one memchr over the values answers for the whole batch)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa


def value_bytes(array: pa.Array) -> bytes:
    """The bytes of every value of a string or binary array, end to end (NULLs add none)."""
    kind = array.type
    if pa.types.is_large_string(kind) or pa.types.is_large_binary(kind):
        width = np.dtype(np.int64)
    elif pa.types.is_string(kind) or pa.types.is_binary(kind):
        width = np.dtype(np.int32)
    else:
        raise TypeError(f"{kind} holds no variable-length bytes")
    _validity, offsets, data = array.buffers()
    if data is None or len(array) == 0:
        return b""
    bounds = np.frombuffer(offsets, width, len(array) + 1, array.offset * width.itemsize)
    return data[int(bounds[0]) : int(bounds[-1])].to_pybytes()


def holds_any(array: pa.Array | pa.ChunkedArray, characters: bytes) -> bool:
    """True when some value of a string or binary array holds one of the bytes `characters`."""
    chunks = array.chunks if isinstance(array, pa.ChunkedArray) else [array]
    for chunk in chunks:
        data = value_bytes(chunk)
        if any(bytes((byte,)) in data for byte in characters):
            return True
    return False
