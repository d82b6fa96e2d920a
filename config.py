"""Settings read from the environment (prefix HIS_) and option lists built from the registries."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from platformdirs import user_data_path
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

APP_NAME = "his-analyzer"


def default_data_dir() -> Path:
    """The user's data folder for HIS Analyzer (on Linux ~/.local/share/his-analyzer).

    Not `./data`: the CLI, the API, the dashboard and `make run` find the same store whatever
    folder they are started from.
    """
    return user_data_path(APP_NAME)


class Settings(BaseSettings):
    """Everything the application reads from its environment, validated once."""

    model_config = SettingsConfigDict(env_prefix="HIS_", env_file=".env", extra="ignore")

    data_dir: Path = Field(
        default_factory=default_data_dir,
        description="Where the embedded store, its key file, the logs and the reports live.",
    )
    database_url: str | None = Field(
        default=None, description="Metadata store URL; SQLite under data_dir when unset."
    )
    secret_key: SecretStr | None = Field(
        default=None, description="Key that encrypts datasource passwords; a key file otherwise."
    )
    api_keys: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Bearer keys accepted by the REST API and Socket.IO; a key file otherwise.",
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Browser origins allowed to call the API (CORS); none when empty.",
    )
    max_body_bytes: int = Field(
        default=1024 * 1024, gt=0, description="Largest request body the API reads, in bytes."
    )
    model: str | None = Field(
        default=None,
        description="Sentence-transformers model for mapping suggestions: a folder or a model "
        "name already on this machine (default: the bundled all-MiniLM-L6-v2). Never downloaded.",
    )
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    ui_port: int = 8501
    log_level: str = "INFO"
    fast_reader: bool = Field(
        default=True,
        description="Read migration sources with connectorx (Arrow, much faster than the "
        "Python drivers); it gives way to the driver by itself on values it cannot read.",
    )

    job_workers: int = Field(
        default=2, ge=1, le=64, description="Jobs one runner (API server or worker) runs at once."
    )
    job_heartbeat_seconds: float = Field(
        default=2.0, gt=0, description="How often a runner says it is alive and reads cancels."
    )
    job_stale_seconds: float = Field(
        default=30.0,
        gt=0,
        description="A runner silent this long is gone: its running jobs become interrupted.",
    )
    api_runs_jobs: bool = Field(
        default=True, description="The API server hosts a job runner (workers can add more)."
    )

    @field_validator("data_dir")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        # HIS_DATA_DIR=~/his or a relative folder: fixed once, so every path derived from it
        # (store, key file, logs) names the same place even after a change of directory.
        return value.expanduser().resolve()

    @field_validator("api_keys", "cors_origins", mode="before")
    @classmethod
    def _split_list(cls, value: object) -> object:
        # Operators write HIS_API_KEYS=key1,key2; JSON lists are accepted too.
        if not isinstance(value, str):
            return value
        if value.strip().startswith("["):
            return json.loads(value)
        return [key.strip() for key in value.split(",") if key.strip()]

    @property
    def metadata_url(self) -> str:
        """The metadata store URL: explicit, or the embedded SQLite file."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.store_file}"

    @property
    def store_file(self) -> Path:
        """The embedded SQLite store's file (unused when HIS_DATABASE_URL names another)."""
        return self.data_dir / "his_analyzer.sqlite"

    @property
    def secret_key_file(self) -> Path:
        """Where the generated encryption key is kept when HIS_SECRET_KEY is unset."""
        return self.data_dir / "secret.key"

    @property
    def api_key_file(self) -> Path:
        """Where the generated API key is kept when HIS_API_KEYS is unset."""
        return self.data_dir / "api.key"

    @property
    def log_dir(self) -> Path:
        """The application log (his-analyzer.log) and, by default, every run's log."""
        return self.data_dir / "logs"

    @property
    def log_file(self) -> Path:
        """The application log: tracebacks and details the terminal never shows."""
        return self.log_dir / "his-analyzer.log"

    @property
    def reports_dir(self) -> Path:
        """Where profile reports go by default, one run folder each."""
        return self.data_dir / "reports"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings; tests build their own `Settings(...)` instead of patching."""
    return Settings()


def validator_options() -> list[str]:
    """Validators a mapping may attach to a column, straight from the validator registry."""
    from validators.registry import validators

    return validators.names()


def transformer_options() -> list[str]:
    """Transformer names a mapping may use ('BUDDHIST_TO_ISO'...), straight from the registry."""
    from data_transformers.registry import transformers

    return [transformer.name for transformer in transformers]
