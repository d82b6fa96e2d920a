"""What a transformer is: parameters, examples, the outcome of a run, and shared helpers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field

from utils.arrow_bytes import holds_any

#: Every character Python's `\s` matches (str.isspace), written out. A pattern holding them
#: runs in pyarrow's RE2, whose own `\s` knows ASCII only (so pandas runs `\s` in Python,
#: several times slower); tests check the two sets are the same.
WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
#: A run of whitespace, as Python's `\s+` matches it.
WHITESPACE_RUN = f"[{WHITESPACE}]+"


class TransformerParams(BaseModel):
    """Parameters every transformer takes; a plugin's own Params model extends this one."""

    model_config = ConfigDict(extra="forbid")

    on_error: Literal["null", "keep"] = Field(
        default="null",
        description="What a value that cannot be converted becomes: NULL, or its input unchanged.",
    )


class ConverterParams(TransformerParams):
    """Parameters of transformers that parse their input (dates, codes, numbers)."""

    blank_as_null: bool = Field(
        default=True,
        description="Read an empty or all-space text as NULL (a legacy HIS keeps '' beside NULL).",
    )


@dataclass(frozen=True)
class Example:
    """One documented run: `input` with `params` gives `output` (None stands for NULL)."""

    input: list
    params: dict
    output: list


@dataclass
class TransformOutcome:
    """The result of a run; `failed` and `reasons` say which values could not be converted.

    `converted` marks the values a transformer replaced by a declared conversion the run
    must report (ZERO_DATE_TO_NULL's zero dates turned into NULL): a conversion is counted,
    never silent. None for transformers that only transform.
    """

    values: pd.Series  # transformed, same index as the input
    failed: pd.Series  # bool, True where a value could not be converted
    reasons: pd.Series  # str reason where failed, None elsewhere
    converted: pd.Series | None = None  # bool, True where a value was replaced as declared

    @property
    def failure_count(self) -> int:
        """How many values could not be converted."""
        return int(self.failed.sum())

    @property
    def conversion_count(self) -> int:
        """How many values were replaced by the declared conversion."""
        return 0 if self.converted is None else int(self.converted.sum())


class Transformer:
    """A named, documented, vectorised conversion of one column (a pandas Series).

    Subclasses set `family`, `description`, `Params` and `examples`; the registry decorator sets
    `name`. `apply` never raises for a bad value: it marks it in `TransformOutcome.failed`.
    """

    name: ClassVar[str]
    family: ClassVar[str]
    description: ClassVar[str]
    Params: ClassVar[type[TransformerParams]] = TransformerParams
    examples: ClassVar[tuple[Example, ...]] = ()
    #: Logical type of the output, which types the target column a migration creates: one of
    #: "text", "date", "datetime", "time", "integer", "numeric", "boolean", "json". None means
    #: every output value fits the input's own type (TRIM of a VARCHAR(20) fits VARCHAR(20)).
    output_type: ClassVar[str | None] = None

    def apply(self, values: pd.Series, params: TransformerParams) -> TransformOutcome:
        """Transform `values`; NULL in gives NULL out."""
        raise NotImplementedError

    def output_type_for(
        self,
        params: TransformerParams,
        input_type: str | None = None,
        input_length: int | None = None,
    ) -> str | None:
        """The logical type of the output with these parameters (None: the input's type).

        Args:
            params: The run's parameters.
            input_type: Logical type of the input column, when known ("text", "date"...).
            input_length: Most characters an input value has, when the input is bounded text.

        A converter told to keep what it cannot convert (`on_error="keep"`) may pass any input
        through unchanged, so only text holds all of its output.
        """
        if self.output_type not in (None, "text") and params.on_error == "keep":
            return "text"
        return self.output_type

    def output_length_for(self, params: TransformerParams) -> int | None:
        """Most characters a text output can have with these parameters; None if unbounded."""
        return None


def bounded(params: TransformerParams, length: int) -> int | None:
    """`length` when failed values become NULL; None when they are kept as they came (any
    length): the usual `output_length_for` of a converter with a fixed-size output."""
    return length if params.on_error == "null" else None


def as_text(values: pd.Series, *, blank_as_null: bool = False) -> pd.Series:
    """`values` as a pandas string Series (missing stays missing); optionally '' → missing.

    Rows from a database arrive as object Series of str, int, Decimal or None; one conversion up
    front lets every plugin use the vectorised `str` accessor.
    """
    if isinstance(values.dtype, pd.StringDtype):
        text = values
    else:
        text = decode_bytes(values).astype("str")
    if blank_as_null:
        text = text.mask(text.str.strip() == "")
    return text


def may_contain(text: pd.Series, characters: str) -> bool:
    """False only when no value of a string Series holds any of `characters`: one byte scan
    (the first byte of each character's UTF-8 form), so a pass over the text can be skipped."""
    if not isinstance(text.array, pd.arrays.ArrowStringArray):
        return True  # Python-held strings: no bytes to scan, do the pass
    leads = bytes(sorted({character.encode()[0] for character in characters}))
    return holds_any(pa.array(text.array), leads)


def decode_bytes(values: pd.Series) -> pd.Series:
    """`values` with every bytes value decoded: UTF-8 when it is valid UTF-8, else Thai
    TIS-620 (as cp874, its superset) — what a legacy HIS stores in BLOB and VARBINARY columns.

    Raises:
        UnicodeDecodeError: a value is neither (the engine then fails that row, naming the
            plugin: a guess here would change a value silently).
    """
    if values.dtype != object or pd.api.types.infer_dtype(values, skipna=True) not in (
        "bytes",
        "mixed",
    ):
        return values  # one C-level scan: columns without bytes pay nothing more
    return values.map(_decoded, na_action="ignore")


def _decoded(value: object) -> object:
    if not isinstance(value, bytes | bytearray | memoryview):
        return value
    raw = bytes(value)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp874")


def finish(
    values: pd.Series,
    result: pd.Series,
    failed: pd.Series,
    reason: str | pd.Series,
    params: TransformerParams,
    *,
    null: pd.Series | None = None,
    show_value: bool = True,
) -> TransformOutcome:
    """Package a run: failed rows become NULL or keep their input, each with a reason.

    Args:
        values: The input Series, as given to `apply`.
        result: Converted values (anything where `failed` is True is ignored).
        failed: True where a non-NULL input could not be converted.
        reason: The reason, or a Series of reasons aligned with `values`.
        params: The run's parameters (for `on_error`).
        null: True where the value counts as NULL (blank text, for converters): NULL out,
            never failed. Defaults to where `values` is missing.
        show_value: Quote the input in the reason; False for patient identifiers, which must
            never reach a report or a log.
    """
    null = values.isna() if null is None else null
    failed = failed.fillna(False).astype(bool) & ~null
    if null.any():
        result = result.mask(null)
    reasons = pd.Series(np.full(len(values), None, dtype=object), index=values.index)
    if failed.any():
        why = reason[failed] if isinstance(reason, pd.Series) else reason
        if show_value:
            why = why + ": '" + as_text(values[failed]) + "'"
        reasons[failed] = why
        # Only a run with failures changes dtype: kept inputs may not fit the result's type.
        if params.on_error == "keep":
            result = result.astype(object).where(~failed, values)
        else:
            result = result.mask(failed)
    return TransformOutcome(values=result, failed=failed, reasons=reasons)


Converted = tuple[pd.Series, pd.Series, pd.Series | str]


def by_distinct(text: pd.Series, convert: Callable[[pd.Series], Converted]) -> Converted:
    """Run `convert` once per distinct value and spread its (result, failed, reasons) back.

    A million visits fall on a few thousand days and a few hundred diagnosis codes: converting
    the distinct texts and taking the answers back by position is much cheaper than converting
    every row. Mostly distinct columns (identifiers) are converted directly.
    """
    codes, uniques = pd.factorize(text)
    if len(uniques) == 0 or len(uniques) > len(text) // 4:  # factorizing would not pay off
        return convert(text)
    result, failed, reasons = convert(pd.Series(uniques, dtype=text.dtype))
    present = codes >= 0
    index = text.index
    if not isinstance(reasons, str):
        reasons = pd.Series(reasons.to_numpy(dtype=object)[codes], index=index).where(present, None)
    return (
        pd.Series(result.array.take(codes, allow_fill=True), index=index),
        pd.Series(failed.to_numpy(dtype=bool)[codes] & present, index=index),
        reasons,
    )
