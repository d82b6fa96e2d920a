"""Date transformers: Buddhist era to and from ISO, reformatting dates, MySQL zero dates."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
from pydantic import Field

from data_transformers._thai_dates import (
    BUDDHIST_OFFSET,
    ISO_SHAPE,
    NOT_A_DATE,
    check,
    join,
    read_other_shapes,
    shift_iso_shaped,
    tidy_clock,
)
from data_transformers.base import (
    Converted,
    ConverterParams,
    Example,
    Transformer,
    TransformerParams,
    TransformOutcome,
    as_text,
    bounded,
    by_distinct,
    finish,
)
from data_transformers.registry import register_transformer

#: A MySQL zero date, alone or with a time of day ('0000-00-00 00:00:00.000000').
ZERO_DATE = r"0000-00-00(?:[ T]\d{2}:\d{2}:\d{2}(?:\.\d+)?)?"
#: A date with a zero month or day ('2024-00-10', '2024-01-00'), which MariaDB keeps when
#: NO_ZERO_IN_DATE is off.
ZERO_IN_DATE = r"\d{4}-(?:00-\d{2}|\d{2}-00)(?:[ T]\d{2}:\d{2}:\d{2}(?:\.\d+)?)?"
#: Characters of the shortest text BUDDHIST_TO_ISO reads with a time of day: '1มค2566 8:15'
#: (day, month abbreviation, year, clock). A shorter text can only be a date.
SHORTEST_DATE_WITH_CLOCK = 12


class BuddhistToIsoParams(ConverterParams):
    """Parameters of BUDDHIST_TO_ISO."""

    min_year: int = Field(
        default=2400,
        description="Smallest plausible Buddhist-era year; a smaller one (such as 2023) is "
        "taken for a date already in the Christian era and fails.",
    )


def _buddhist_to_iso(text: pd.Series, min_year: int) -> Converted:
    iso_shaped = text.str.fullmatch(ISO_SHAPE).fillna(False).astype(bool)
    if iso_shaped.all():  # the usual column: slicing alone, no row selection
        date, clock = text.str.slice(0, 10), text.str.slice(11)
    else:
        date, clock = read_other_shapes(text.where(~iso_shaped))
        date[iso_shaped] = text[iso_shaped].str.slice(0, 10)
        clock[iso_shaped] = text[iso_shaped].str.slice(11)
    read = date.notna()
    date = date.fillna("0000-00-00")  # every read date starts with four digits (the shapes say so)
    year = date.str.slice(0, 4).astype("int64")
    plausible = read & (year >= min_year)
    iso_year = (year - BUDDHIST_OFFSET).clip(lower=0).astype("str").str.zfill(4)
    iso_date = (iso_year + date.str.slice(4, 10)).astype("str")
    clock = tidy_clock(clock.fillna(""))
    ok = plausible & check(iso_date, clock)
    reasons = pd.Series(
        np.where(
            read & ~plausible, f"year before {min_year} B.E. (already Christian era?)", NOT_A_DATE
        ),
        index=text.index,
    )
    return join(iso_date, clock), ~ok, reasons


@register_transformer("BUDDHIST_TO_ISO")
class BuddhistToIso(Transformer):
    """Buddhist-era dates in legacy shapes to ISO 'YYYY-MM-DD' (or 'YYYY-MM-DD HH:MM:SS').

    Reads '2566-03-14', '2566-03-14 08:15:00', '14/03/2566', '14-03-2566', '25660314',
    '14 มี.ค. 2566' and '14 มีนาคม 2566' (Thai digits too). A day that does not exist, such as
    '2566-02-30', fails.
    """

    family = "dates"
    description = "Convert Buddhist-era dates (2566-03-14, 14/03/2566, 14 มี.ค. 2566) to ISO dates."
    Params = BuddhistToIsoParams
    output_type = "datetime"
    examples = (
        Example(
            input=["2566-03-14", "2566-03-14 08:15:00", "14/03/2566", "14-03-2566", "25660314"],
            params={},
            output=["2023-03-14", "2023-03-14 08:15:00", "2023-03-14", "2023-03-14", "2023-03-14"],
        ),
        Example(
            input=["14 มี.ค. 2566", "14 มีนาคม 2566", "2567-02-29", "", None],
            params={},
            output=["2023-03-14", "2023-03-14", "2024-02-29", None, None],
        ),
        Example(
            input=["2566-02-30", "2023-03-14", "yesterday"],
            params={"on_error": "keep"},
            output=["2566-02-30", "2023-03-14", "yesterday"],
        ),
    )

    def apply(self, values: pd.Series, params: BuddhistToIsoParams) -> TransformOutcome:
        text = as_text(values, blank_as_null=params.blank_as_null).str.strip()
        result, failed, reasons = by_distinct(text, lambda t: _buddhist_to_iso(t, params.min_year))
        return finish(values, result, failed, reasons, params, null=text.isna())

    def output_type_for(
        self,
        params: BuddhistToIsoParams,
        input_type: str | None = None,
        input_length: int | None = None,
    ) -> str | None:
        # A time of day survives only where the input can carry one: a DATE column or a text
        # too short for any shape with a clock gives dates; anything else may hold times.
        if params.on_error == "keep":
            return "text"
        short = input_length is not None and input_length < SHORTEST_DATE_WITH_CLOCK
        return "date" if input_type == "date" or short else "datetime"


def _iso_text(values: pd.Series, blank_as_null: bool) -> pd.Series:
    """Dates as ISO text; a datetime column keeps its time only when it has one."""
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        timed = (values.dropna() != values.dropna().dt.normalize()).any()
        return values.dt.strftime("%Y-%m-%d %H:%M:%S" if timed else "%Y-%m-%d").astype("str")
    return as_text(values, blank_as_null=blank_as_null).str.strip()


def _iso_to_buddhist(text: pd.Series) -> Converted:
    iso_shaped = text.str.fullmatch(ISO_SHAPE).fillna(False).astype(bool)
    clean = text.where(iso_shaped, "0000-00-00")
    clock = tidy_clock(clean.str.slice(11))
    ok = iso_shaped & check(clean.str.slice(0, 10), clock)
    date, _ = shift_iso_shaped(clean, BUDDHIST_OFFSET)
    return join(date, clock), ~ok, pd.Series(NOT_A_DATE, index=text.index, dtype=object)


@register_transformer("ISO_TO_BUDDHIST")
class IsoToBuddhist(Transformer):
    """ISO dates (text, DATE or DATETIME values) to Buddhist-era text: 2023-03-14 → 2566-03-14."""

    family = "dates"
    description = "Convert ISO dates to Buddhist-era text (2023-03-14 → 2566-03-14)."
    Params = ConverterParams
    output_type = "text"
    examples = (
        Example(
            input=["2023-03-14", "2024-02-29 08:15:00", None, "2023-02-29"],
            params={},
            output=["2566-03-14", "2567-02-29 08:15:00", None, None],
        ),
    )

    def apply(self, values: pd.Series, params: ConverterParams) -> TransformOutcome:
        text = _iso_text(values, params.blank_as_null)
        result, failed, reasons = by_distinct(text, _iso_to_buddhist)
        return finish(values, result, failed, reasons, params, null=text.isna())

    def output_length_for(self, params: ConverterParams) -> int | None:
        return bounded(params, len("2566-03-14 08:15:00"))


class DateFormatParams(ConverterParams):
    """Parameters of DATE_FORMAT."""

    format: str = Field(description="Output format, strftime style: '%d/%m/%Y'.")
    input_format: str | None = Field(
        default=None, description="Input format, strptime style; ISO 8601 when not given."
    )


@register_transformer("DATE_FORMAT")
class DateFormat(Transformer):
    """Reformat dates: parse with `input_format` (ISO 8601 by default), write with `format`."""

    family = "dates"
    description = "Rewrite dates in another format (strftime-style output format)."
    Params = DateFormatParams
    output_type = "text"
    examples = (
        Example(
            input=["2023-03-14", "2023-12-01 08:15:00", None, "2023-13-01"],
            params={"format": "%d/%m/%Y"},
            output=["14/03/2023", "01/12/2023", None, None],
        ),
        Example(
            input=["14.03.2023"],
            params={"format": "%Y%m%d", "input_format": "%d.%m.%Y"},
            output=["20230314"],
        ),
    )

    def apply(self, values: pd.Series, params: DateFormatParams) -> TransformOutcome:
        if pd.api.types.is_datetime64_any_dtype(values.dtype):
            result = values.dt.strftime(params.format).astype("str")
            return finish(values, result, values.isna(), NOT_A_DATE, params)
        text = as_text(values, blank_as_null=params.blank_as_null).str.strip()

        def reformat(text: pd.Series) -> Converted:
            fmt = params.input_format or "ISO8601"
            parsed = pd.to_datetime(text, format=fmt, errors="coerce")
            return parsed.dt.strftime(params.format).astype("str"), parsed.isna(), NOT_A_DATE

        result, failed, reasons = by_distinct(text, reformat)
        return finish(values, result, failed, reasons, params, null=text.isna())


class ZeroDateToNullParams(TransformerParams):
    """Parameters of ZERO_DATE_TO_NULL."""

    zero_in_date: bool = Field(
        default=False,
        description="Also NULL dates with a zero month or day ('2024-00-10', '2024-01-00').",
    )


@register_transformer("ZERO_DATE_TO_NULL")
class ZeroDateToNull(Transformer):
    """MySQL zero dates ('0000-00-00', '0000-00-00 00:00:00') to NULL, each one counted.

    No other engine holds a zero date, so without this such rows can only be quarantined
    (pgloader's zero-dates-to-null does the same). PyMySQL hands a zero date over as its text,
    which is what this reads; every other value, date or text, passes unchanged. The run's
    result reports how many values of the column were turned into NULL.
    """

    family = "dates"
    description = "Turn MySQL zero dates (0000-00-00, 0000-00-00 00:00:00) into NULL, counted."
    Params = ZeroDateToNullParams
    examples = (
        Example(
            input=["0000-00-00", "2024-02-29", "0000-00-00 00:00:00", None, "2024-00-10"],
            params={},
            output=[None, "2024-02-29", None, None, "2024-00-10"],
        ),
        Example(
            input=["0000-00-00 00:00:00.000000", "2024-00-10", "2024-01-00", "2024-01-02 08:00"],
            params={"zero_in_date": True},
            output=[None, None, None, "2024-01-02 08:00"],
        ),
        Example(input=[date(2024, 2, 29), None], params={}, output=[date(2024, 2, 29), None]),
    )

    def apply(self, values: pd.Series, params: ZeroDateToNullParams) -> TransformOutcome:
        pattern = f"{ZERO_DATE}|{ZERO_IN_DATE}" if params.zero_in_date else ZERO_DATE
        text = as_text(values).str.strip()
        zero = text.str.fullmatch(pattern).fillna(False).astype(bool) & values.notna()
        none = pd.Series(np.full(len(values), None, dtype=object), index=values.index)
        failed = pd.Series(False, index=values.index)
        result = values.mask(zero) if zero.any() else values
        return TransformOutcome(values=result, failed=failed, reasons=none, converted=zero)
