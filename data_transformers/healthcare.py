"""Healthcare code transformers: citizen IDs, hospital numbers, ICD-10 codes, sex codes."""

from __future__ import annotations

import numpy as np
import pandas as pd
from pydantic import Field

from data_transformers.base import (
    WHITESPACE,
    WHITESPACE_RUN,
    Converted,
    ConverterParams,
    Example,
    Transformer,
    TransformOutcome,
    as_text,
    bounded,
    by_distinct,
    finish,
    may_contain,
)
from data_transformers.registry import register_transformer
from utils.thai_cid import cid_checksum_ok

_CID_SEPARATORS = r"[\s\-]"
_ICD10_SHAPE = r"^(?P<category>[A-Z]\d{2})\.?(?P<detail>[0-9A-Z]{0,4})$"


class CidFormatParams(ConverterParams):
    """Parameters of CID_FORMAT."""

    validate_checksum: bool = Field(
        default=False, description="Also fail IDs whose thirteenth digit is not the check digit."
    )
    dashes: bool = Field(
        default=True,
        description="Write N-NNNN-NNNNN-NN-N; false writes the 13 digits alone (the MOPH 43 "
        "files and most new systems hold them so).",
    )


@register_transformer("CID_FORMAT")
class CidFormat(Transformer):
    """Thai citizen IDs as 'N-NNNN-NNNNN-NN-N' (or 13 bare digits); input may already carry
    dashes or spaces.

    Reasons never quote the value: a citizen ID must not reach a report or a log.
    """

    family = "healthcare"
    description = "Format 13-digit Thai citizen IDs as 1-1017-00203-45-0 (or 1101700203450)."
    Params = CidFormatParams
    output_type = "text"
    examples = (
        Example(
            input=["1101700203450", " 1-1017-00203-45-0", "110170020345", "11017002034x", None],
            params={},
            output=["1-1017-00203-45-0", "1-1017-00203-45-0", None, None, None],
        ),
        Example(
            input=["1101700203451", "1101700203450"],
            params={"validate_checksum": True},
            output=[None, "1-1017-00203-45-0"],
        ),
        Example(
            input=["1-1017-00203-45-0", " 1101700203450 ", "1 1017 00203 45 0"],
            params={"dashes": False},
            output=["1101700203450", "1101700203450", "1101700203450"],
        ),
    )

    def apply(self, values: pd.Series, params: CidFormatParams) -> TransformOutcome:
        text = as_text(values, blank_as_null=params.blank_as_null)
        digits = text.str.replace(_CID_SEPARATORS, "", regex=True)
        ok = digits.str.fullmatch(r"\d{13}").fillna(False).astype(bool)
        reasons = pd.Series("not 13 digits", index=text.index, dtype=object)
        if params.validate_checksum and ok.any():
            # The checksum is scalar Python (utils.thai_cid owns it): run it once per ID.
            checked = digits[ok].map(cid_checksum_ok).astype(bool)
            reasons[ok & ~checked.reindex(text.index, fill_value=True)] = "check digit is wrong"
            ok &= checked.reindex(text.index, fill_value=False)
        d = digits.str
        result = digits
        if params.dashes:
            result = (
                d.slice(0, 1) + "-" + d.slice(1, 5) + "-" + d.slice(5, 10) + "-" + d.slice(10, 12)
            ) + ("-" + d.slice(12, 13))
        return finish(values, result, ~ok, reasons, params, null=text.isna(), show_value=False)

    def output_length_for(self, params: CidFormatParams) -> int | None:
        return bounded(params, len("1-1017-00203-45-0") if params.dashes else 13)


class HnPadParams(ConverterParams):
    """Parameters of HN_PAD."""

    width: int = Field(default=9, ge=1, le=30, description="Length of the padded HN.")


@register_transformer("HN_PAD")
class HnPad(Transformer):
    """Hospital numbers left-padded with zeros; spaces and a spreadsheet '.0' are dropped."""

    family = "healthcare"
    description = "Left-pad hospital numbers (HN) with zeros to a fixed width."
    Params = HnPadParams
    output_type = "text"  # even from an integer column: the zeros are the point
    examples = (
        Example(
            input=["123", " 4567 ", "123.0", "000000123", "12A", "1234567890", None],
            params={},
            output=["000000123", "000004567", "000000123", "000000123", None, None, None],
        ),
        Example(input=["42"], params={"width": 6}, output=["000042"]),
    )

    def apply(self, values: pd.Series, params: HnPadParams) -> TransformOutcome:
        text = as_text(values, blank_as_null=params.blank_as_null)
        # Each pass only where a value may need it: most HN columns hold neither.
        digits = text
        if may_contain(digits, WHITESPACE):
            digits = digits.str.replace(WHITESPACE_RUN, "", regex=True)
        if may_contain(digits, "."):
            digits = digits.str.replace(r"\.0+$", "", regex=True)
        ok = digits.str.fullmatch(r"\d+").fillna(False).astype(bool)
        fits = digits.str.len() <= params.width
        failed = ~(ok & fits)
        reasons: pd.Series | str = ""  # a reason per row only when some row needs one
        if failed.any():
            too_long = f"longer than {params.width} digits"
            reasons = pd.Series(np.where(ok, too_long, "not all digits"), index=text.index)
        result = digits.str.zfill(params.width)
        return finish(values, result, failed, reasons, params, null=text.isna(), show_value=False)

    def output_length_for(self, params: HnPadParams) -> int | None:
        return bounded(params, params.width)


class Icd10Params(ConverterParams):
    """Parameters of ICD10_NORMALIZE."""

    dot: bool = Field(default=True, description="Write the dot after the category: E11.9.")


@register_transformer("ICD10_NORMALIZE")
class Icd10Normalize(Transformer):
    """ICD-10 codes upper-cased, trimmed, with (or without) the dot after the category."""

    family = "healthcare"
    description = "Normalise ICD-10 codes: 'e119 ' → 'E11.9'; 'J00' stays 'J00'."
    Params = Icd10Params
    output_type = "text"
    examples = (
        Example(
            input=["E119", "e11.9 ", "J00", "S72.001", "11.9", "E1", None],
            params={},
            output=["E11.9", "E11.9", "J00", "S72.001", None, None, None],
        ),
        Example(input=["E11.9", "J00"], params={"dot": False}, output=["E119", "J00"]),
    )

    def apply(self, values: pd.Series, params: Icd10Params) -> TransformOutcome:
        text = as_text(values, blank_as_null=params.blank_as_null)
        separator = "." if params.dot else ""

        def normalize(text: pd.Series) -> Converted:
            parts = text.str.strip().str.upper().str.extract(_ICD10_SHAPE)
            category, detail = parts["category"], parts["detail"].fillna("")
            result = category.where(detail == "", category + separator + detail).astype("str")
            return result, category.isna(), "not an ICD-10 code"

        result, failed, reasons = by_distinct(text, normalize)
        return finish(values, result, failed, reasons, params, null=text.isna())

    def output_length_for(self, params: Icd10Params) -> int | None:
        return bounded(params, len("S72.0011"))  # category, dot, up to four detail characters


_SEX_WORDS = {
    "male": ("1", "m", "male", "ช", "ชาย"),
    "female": ("2", "f", "female", "ญ", "หญิง"),
}


class SexCodeParams(ConverterParams):
    """Parameters of SEX_CODE."""

    male: str = Field(default="1", description="The code written for male.")
    female: str = Field(default="2", description="The code written for female.")


@register_transformer("SEX_CODE")
class SexCode(Transformer):
    """Sex written any common way ('1', 'M', 'male', 'ช', 'ชาย'...) to the target's two codes."""

    family = "healthcare"
    description = "Map sex values (1/2, M/F, male/female, ช/ญ, ชาย/หญิง) to two target codes."
    Params = SexCodeParams
    output_type = "text"
    examples = (
        Example(
            input=["1", "ช", "ชาย", "M", "male", "2", "ญ", "หญิง", "F", " Female", "9", None],
            params={},
            output=["1", "1", "1", "1", "1", "2", "2", "2", "2", "2", None, None],
        ),
        Example(input=["ชาย", "หญิง"], params={"male": "M", "female": "F"}, output=["M", "F"]),
    )

    def apply(self, values: pd.Series, params: SexCodeParams) -> TransformOutcome:
        text = as_text(values, blank_as_null=params.blank_as_null)
        codes = {"male": params.male, "female": params.female}
        table = {word: codes[sex] for sex, words in _SEX_WORDS.items() for word in words}
        result = text.str.strip().str.lower().map(table).astype("str")
        return finish(values, result, result.isna(), "unknown sex", params, null=text.isna())

    def output_length_for(self, params: SexCodeParams) -> int | None:
        return bounded(params, max(len(params.male), len(params.female), 1))
