"""Settings read from HIS_ environment variables."""

from __future__ import annotations

from pathlib import Path

import pytest

from config import Settings


def test_defaults_put_an_sqlite_store_under_the_data_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HIS_DATABASE_URL", raising=False)
    monkeypatch.setenv("HIS_DATA_DIR", "/srv/his")
    settings = Settings(_env_file=None)
    assert settings.metadata_url == "sqlite:////srv/his/his_analyzer.sqlite"
    assert settings.secret_key_file == Path("/srv/his/secret.key")


def test_api_keys_accept_a_comma_separated_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HIS_API_KEYS", " key-one, key-two ,")
    assert Settings(_env_file=None).api_keys == ["key-one", "key-two"]


def test_api_keys_accept_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HIS_API_KEYS", '["a,b", "c"]')
    assert Settings(_env_file=None).api_keys == ["a,b", "c"]


def test_explicit_database_url_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HIS_DATABASE_URL", "postgresql+psycopg2://his@db/his_meta")
    assert Settings(_env_file=None).metadata_url == "postgresql+psycopg2://his@db/his_meta"


def test_secret_key_is_hidden_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HIS_SECRET_KEY", "very-secret-value")
    settings = Settings(_env_file=None)
    assert "very-secret-value" not in repr(settings)
    assert settings.secret_key is not None
    assert settings.secret_key.get_secret_value() == "very-secret-value"


def test_the_default_data_dir_is_the_users_data_folder_not_the_working_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("HIS_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", "/srv/xdg")
    monkeypatch.chdir(tmp_path)
    settings = Settings(_env_file=None)
    assert settings.data_dir == Path("/srv/xdg/his-analyzer")
    assert settings.metadata_url == "sqlite:////srv/xdg/his-analyzer/his_analyzer.sqlite"
    assert (settings.log_dir, settings.reports_dir) == (
        Path("/srv/xdg/his-analyzer/logs"),
        Path("/srv/xdg/his-analyzer/reports"),
    )


def test_a_relative_data_dir_is_fixed_where_it_was_given(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HIS_DATA_DIR", "store")
    settings = Settings(_env_file=None)
    monkeypatch.chdir("/")
    assert settings.secret_key_file == tmp_path.resolve() / "store" / "secret.key"
