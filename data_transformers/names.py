"""Thai name transformers: split a full name into its parts; canonical name prefixes."""

from __future__ import annotations

import re
from typing import Literal

import pandas as pd
from pydantic import Field

from data_transformers.base import (
    ConverterParams,
    Example,
    Transformer,
    TransformOutcome,
    as_text,
    bounded,
    finish,
)
from data_transformers.registry import register_transformer
from utils.thai_names import prefix_spellings, title_spellings

#: Every spelling → (full form, short form).
_CANONICAL = prefix_spellings()
_SPLIT_PREFIXES = title_spellings()
_PREFIX_PATTERN = "|".join(re.escape(p) for p in _SPLIT_PREFIXES)
_FULL_NAME = rf"^\s*(?P<prefix>{_PREFIX_PATTERN})?\s*(?P<first>[^\s]+)(?:\s+(?P<last>.*?))?\s*$"


class SplitThaiNameParams(ConverterParams):
    """Parameters of SPLIT_THAI_NAME."""

    part: Literal["prefix", "first", "last"] = Field(
        description="Which part of the full name to return."
    )


@register_transformer("SPLIT_THAI_NAME")
class SplitThaiName(Transformer):
    """One part of a Thai full name: 'นายสมชาย ใจดี' → 'นาย' / 'สมชาย' / 'ใจดี'.

    The prefix may be joined to the first name or separated by a space; the last name is
    everything after the first name ('ใจดี ณ อยุธยา'). A name without a prefix gives NULL for
    the prefix part; a first name that happens to begin like a prefix ('นางฟ้า' without a
    title) is split wrongly, which is why a prefix column should be kept when the HIS has one.
    Reasons never quote the name (patient data).
    """

    family = "names"
    description = "Split a Thai full name into prefix, first name or last name."
    Params = SplitThaiNameParams
    examples = (
        Example(
            input=["นายสมชาย ใจดี", "นาย สมชาย ใจดี", "ด.ช.ภูมิ แสงทอง", "นางสาวมาลี ศรีสุข", None],
            params={"part": "prefix"},
            output=["นาย", "นาย", "ด.ช.", "นางสาว", None],
        ),
        Example(
            input=["นายสมชาย ใจดี", "ด.ช.ภูมิ แสงทอง", "นพ.วิชัย รักษา", "นพดล มีสุข"],
            params={"part": "first"},
            output=["สมชาย", "ภูมิ", "วิชัย", "นพดล"],
        ),
        Example(
            input=["นายสมชาย ใจดี", "นางมาลี ณ อยุธยา ", "นาย", "สมศรี"],
            params={"part": "last"},
            output=["ใจดี", "ณ อยุธยา", None, None],
        ),
    )

    def apply(self, values: pd.Series, params: SplitThaiNameParams) -> TransformOutcome:
        text = as_text(values, blank_as_null=params.blank_as_null)
        parts = text.str.extract(_FULL_NAME)
        result = parts[params.part].astype("str")
        if params.part == "last":
            result = result.mask(result == "")
            failed = parts["first"].isna() | result.isna()
            reason = "no last name"
        else:
            # Only a missing first name is an error: many names are written without a title.
            failed = parts["first"].isna()
            reason = "no first name"
        return finish(values, result, failed, reason, params, null=text.isna(), show_value=False)


class PrenameParams(ConverterParams):
    """Parameters of PRENAME_NORMALIZE."""

    style: Literal["full", "short"] = Field(
        default="full", description="Write the full form (นางสาว) or the short one (น.ส.)."
    )


@register_transformer("PRENAME_NORMALIZE")
class PrenameNormalize(Transformer):
    """Name prefixes in one canonical spelling: 'น.ส.', 'นส.', 'Miss' → 'นางสาว' (or 'น.ส.')."""

    family = "names"
    description = "Map spellings of a name prefix (น.ส., นส., ด.ช., Mr.) to one canonical form."
    Params = PrenameParams
    output_type = "text"  # 'นส.' becomes 'นางสาว': longer than its input
    examples = (
        Example(
            input=["น.ส.", "นางสาว", "ด.ช.", "เด็กชาย", "Mr.", " นพ. ", "พลทหาร", None],
            params={},
            output=["นางสาว", "นางสาว", "เด็กชาย", "เด็กชาย", "นาย", "นายแพทย์", None, None],
        ),
        Example(input=["นางสาว", "เด็กหญิง"], params={"style": "short"}, output=["น.ส.", "ด.ญ."]),
    )

    def apply(self, values: pd.Series, params: PrenameParams) -> TransformOutcome:
        text = as_text(values, blank_as_null=params.blank_as_null)
        form = 0 if params.style == "full" else 1
        table = {spelling: forms[form] for spelling, forms in _CANONICAL.items()}
        result = text.str.strip().map(table).astype("str")
        return finish(
            values, result, result.isna(), "unknown name prefix", params, null=text.isna()
        )

    def output_length_for(self, params: PrenameParams) -> int | None:
        return bounded(params, max(len(form) for forms in _CANONICAL.values() for form in forms))
