"""What the Settings page's AppTest tests share: reading its tables and lines, rerunning it,
and mapping configs saved through the service on the demo datasources."""

from __future__ import annotations

from typing import Any

import pandas as pd
from streamlit.testing.v1 import AppTest

from services import mapping
from services.context import ServiceContext
from services.demo import DEMO_SOURCE, DEMO_TARGET

CONFIG = "opd visits"
HN_PAD = {"name": "HN_PAD", "params": {"width": 9}}
BUDDHIST_TO_ISO = {"name": "BUDDHIST_TO_ISO", "params": {}}


def rerun(changed: Any) -> AppTest:
    """Run the page again after `changed` (a widget clicked or set), checked for exceptions."""
    at: AppTest = changed.run()
    assert not at.exception, [exception.value for exception in at.exception]
    return at


def shown_table(at: AppTest, key: str) -> pd.DataFrame:
    """The values of the table in the container keyed `key` (display tables keep no key)."""
    return at.get_by_key(key).dataframe[0].value


def shown_column(at: AppTest, table_key: str, name: str) -> list[Any]:
    """One column of the table keyed `table_key`, top to bottom."""
    return list(shown_table(at, table_key)[name])


def texts(elements: Any) -> list[str]:
    """The texts of some shown elements (`at.success`, `at.error`, …), in page order."""
    return [element.value for element in elements]


def mapping_item(source: str, target: str, *transformers: dict[str, Any]) -> dict[str, Any]:
    """A config mapping `source` to `target` through `transformers`."""
    return {"source": source, "target": target, "transformers": list(transformers)}


V1_MAPPINGS = [
    mapping_item("vn", "vn"),
    mapping_item("hn", "hn", HN_PAD),
    mapping_item("vstdate", "vstdate"),
]


def save_visits_config(ctx: ServiceContext, *, name: str = CONFIG) -> None:
    """Save v1 of a config from the demo source's ovst to the demo target's visits."""
    mapping.save_config(
        ctx,
        {
            "name": name,
            "source": DEMO_SOURCE,
            "target": DEMO_TARGET,
            "source_table": "ovst",
            "target_table": "visits",
            "mappings": V1_MAPPINGS,
        },
        # Only the page is tested: the demo target holds no visits table to check against.
        check_live=False,
    )


def save_three_versions(ctx: ServiceContext) -> None:
    """v1; v2 adds doctor → doctor_code; v3 drops hn, converts vstdate to ISO, batches 1000."""
    save_visits_config(ctx)
    v2 = [*V1_MAPPINGS, mapping_item("doctor", "doctor_code")]
    mapping.update_config(ctx, CONFIG, {"mappings": v2}, check_live=False)
    v3 = [mapping_item("vn", "vn"), mapping_item("vstdate", "vstdate", BUDDHIST_TO_ISO), v2[-1]]
    mapping.update_config(ctx, CONFIG, {"mappings": v3, "batch_size": 1000}, check_live=False)
