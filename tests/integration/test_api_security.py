"""The API is never open: a generated key when none is set, CORS from settings, capped bodies."""

from __future__ import annotations

import dataclasses
import stat
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.base.documents import MEDIA_TYPE
from api.main import create_app
from config import Settings
from services.api_keys import api_keys, ensure_api_keys
from services.context import ServiceContext
from tests.factories import AUTHORIZATION, keyed_ctx

DATASOURCES = "/api/v1/datasources"


def unkeyed(ctx: ServiceContext) -> ServiceContext:
    """`ctx` with HIS_API_KEYS unset, whatever the developer's environment says."""
    return dataclasses.replace(ctx, settings=ctx.settings.model_copy(update={"api_keys": []}))


def test_without_keys_set_the_api_generates_one_and_requires_it(
    ctx: ServiceContext, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    context = unkeyed(ctx)
    key_file = context.settings.api_key_file

    with TestClient(create_app(context)) as client:
        missing = client.get(DATASOURCES)
        key = key_file.read_text().strip()
        keyed = client.get(DATASOURCES, headers={"Authorization": f"Bearer {key}"})

    assert missing.status_code == 401
    assert keyed.status_code == 200
    assert len(key) >= 40
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    printed = capsys.readouterr().out
    assert key in printed and str(key_file) in printed
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert str(key_file) in logged
    assert key not in logged


def test_the_generated_key_is_printed_only_when_created(
    ctx: ServiceContext, capsys: pytest.CaptureFixture[str]
) -> None:
    context = unkeyed(ctx)
    with TestClient(create_app(context)):
        pass
    key = context.settings.api_key_file.read_text().strip()
    capsys.readouterr()

    with TestClient(create_app(context)) as client:
        again = client.get(DATASOURCES, headers={"Authorization": f"Bearer {key}"})

    assert again.status_code == 200
    assert key not in capsys.readouterr().out


def test_concurrent_first_starts_agree_on_one_key(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", _env_file=None, api_keys=[])

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: ensure_api_keys(settings), range(32)))

    assert len({tuple(result.keys) for result in results}) == 1
    assert sum(result.created for result in results) == 1
    assert results[0].keys == [settings.api_key_file.read_text().strip()]
    assert list(settings.api_key_file.parent.glob(".api.key.*")) == []


def test_configured_keys_need_no_key_file(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", _env_file=None, api_keys=["a", "b"])

    assert api_keys(settings) == ["a", "b"]
    assert not settings.api_key_file.exists()


@pytest.fixture
def capped(ctx: ServiceContext) -> Iterator[TestClient]:
    app = create_app(keyed_ctx(ctx, max_body_bytes=1000))
    with TestClient(app, headers=AUTHORIZATION) as client:
        yield client


def test_a_body_over_the_limit_is_413_before_it_is_read(capped: TestClient) -> None:
    body = b'{"data": {"type": "datasources", "attributes": {"name": "' + b"x" * 2000 + b'"}}}'

    response = capped.post(DATASOURCES, content=body, headers={"content-type": MEDIA_TYPE})

    assert response.status_code == 413
    assert response.headers["content-type"] == MEDIA_TYPE
    [error] = response.json()["errors"]
    assert error["code"] == "request_too_large"
    assert error["status"] == "413"
    assert capped.get(DATASOURCES).json()["data"] == []  # nothing was created


def test_a_streamed_body_over_the_limit_is_413(capped: TestClient) -> None:
    def chunks() -> Iterator[bytes]:  # no Content-Length: sent chunked
        yield b'{"data": {"type": "datasources", "attributes": {"name": "'
        for _ in range(20):
            yield b"y" * 100
        yield b'"}}}'

    response = capped.post(DATASOURCES, content=chunks(), headers={"content-type": MEDIA_TYPE})

    assert response.status_code == 413
    assert response.json()["errors"][0]["code"] == "request_too_large"


def test_a_body_under_the_limit_is_served(capped: TestClient, tmp_path: Path) -> None:
    attributes = {"name": "small", "db_type": "sqlite", "database": str(tmp_path / "s.db")}
    response = capped.post(
        DATASOURCES, json={"data": {"type": "datasources", "attributes": attributes}}
    )

    assert response.status_code == 201


def test_cors_headers_only_for_configured_origins(ctx: ServiceContext) -> None:
    allowed = "https://his.hospital.example"
    app = create_app(keyed_ctx(ctx, cors_origins=[allowed]))
    preflight = {
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization",
    }
    with TestClient(app, headers=AUTHORIZATION) as client:
        ours = client.options(DATASOURCES, headers={"Origin": allowed, **preflight})
        theirs = client.options(
            DATASOURCES, headers={"Origin": "https://evil.example", **preflight}
        )
        simple = client.get(DATASOURCES, headers={"Origin": allowed})

    assert ours.status_code == 200
    assert ours.headers["access-control-allow-origin"] == allowed
    assert "access-control-allow-origin" not in theirs.headers
    assert simple.headers["access-control-allow-origin"] == allowed


def test_no_cors_headers_without_configured_origins(ctx: ServiceContext) -> None:
    with TestClient(create_app(keyed_ctx(ctx)), headers=AUTHORIZATION) as client:
        response = client.get(DATASOURCES, headers={"Origin": "https://his.hospital.example"})

    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers


def test_cors_origins_and_body_limit_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HIS_CORS_ORIGINS", "https://a.example, https://b.example")
    monkeypatch.setenv("HIS_MAX_BODY_BYTES", "2048")

    settings = Settings(_env_file=None)

    assert settings.cors_origins == ["https://a.example", "https://b.example"]
    assert settings.max_body_bytes == 2048
    assert Settings(_env_file=None, cors_origins=[]).cors_origins == []
