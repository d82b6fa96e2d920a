"""Attributes of the profiles resource: a profile run's report folder and its files."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import BaseModel, Field

from api.base.documents import Attributes


class ProfileFileOut(BaseModel):
    """One file of a run; download it at `/api/v1/profiles/{id}/files/{name}`."""

    name: str = Field(
        description="Its path inside the run folder.", examples=["data_profile/data_profile.html"]
    )
    kind: str = Field(description="html, csv, ddl, log or other.", examples=["html"])
    size: int = Field(description="Bytes.")
    media_type: str = Field(description="What a download is labelled as.")


class ProfileOut(Attributes):
    """A profile run's report folder; its id is the folder's name (`YYYYMMDD_HHMM[_n]`)."""

    resource_type: ClassVar[str] = "profiles"

    started_at: datetime = Field(description="When the run started, to the minute (server time).")
    file_count: int
    total_size: int = Field(description="Bytes of all its files.")
    files: list[ProfileFileOut]
