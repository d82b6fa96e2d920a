"""The byte scan that lets the COPY encoder, the pre-load checks and HN_PAD skip whole passes."""

from __future__ import annotations

import pyarrow as pa
import pytest

from utils.arrow_bytes import holds_any, value_bytes

TEXTS = ["ab", None, "c\td", "", "ไทย", "x\x00y"]


@pytest.mark.parametrize("kind", [pa.string(), pa.large_string(), pa.binary(), pa.large_binary()])
@pytest.mark.parametrize(("start", "length"), [(0, 6), (1, 2), (3, 3), (5, 1), (2, 0)])
def test_value_bytes_are_the_values_of_the_slice_end_to_end(
    kind: pa.DataType, start: int, length: int
) -> None:
    array = pa.array(TEXTS, pa.string()).cast(kind).slice(start, length)
    expected = b"".join((text or "").encode() for text in TEXTS[start : start + length])
    assert value_bytes(array) == expected


def test_holds_any_answers_for_the_slice_only_and_for_every_chunk() -> None:
    array = pa.array(TEXTS)
    assert holds_any(array, b"\t") and not holds_any(array.slice(3), b"\t")
    assert holds_any(array.slice(3), b"\x00") and not holds_any(array.slice(0, 3), b"\x00")
    chunked = pa.chunked_array([array.slice(0, 2), array.slice(5)])
    assert holds_any(chunked, b"\x00") and not holds_any(chunked, b"\t")
    assert not holds_any(pa.chunked_array([], pa.string()), b"\t")


def test_value_bytes_refuses_a_type_without_bytes() -> None:
    with pytest.raises(TypeError, match="int64"):
        value_bytes(pa.array([1, 2]))
