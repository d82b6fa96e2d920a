"""Settings read from the environment (prefix HIS_) and option lists built from the registries."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    """Everything the application reads from its environment, validated once."""

    model_config = SettingsConfigDict(env_prefix="HIS_", env_file=".env", extra="ignore")

    data_dir: Path = Field(default=Path("data"), description="Where the embedded store lives.")
    database_url: str | None = Field(
        default=None, description="Metadata store URL; SQLite under data_dir when unset."
    )
    secret_key: SecretStr | None = Field(
        default=None, description="Key that encrypts datasource passwords; a key file otherwise."
    )
    api_keys: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Bearer keys accepted by the REST API and Socket.IO."
    )
    model: str | None = Field(default=None, description="Sentence-transformers model to load.")
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    ui_port: int = 8501
    log_level: str = "INFO"
    fast_reader: bool = Field(
        default=True,
        description="Read migration sources with connectorx (Arrow, much faster than the "
        "Python drivers); it gives way to the driver by itself on values it cannot read.",
    )

    @field_validator("api_keys", mode="before")
    @classmethod
    def _split_keys(cls, value: object) -> object:
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
        return f"sqlite:///{(self.data_dir / 'his_analyzer.sqlite').resolve()}"

    @property
    def secret_key_file(self) -> Path:
        """Where the generated encryption key is kept when HIS_SECRET_KEY is unset."""
        return self.data_dir / "secret.key"


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
