"""Password encryption at rest."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from services.errors import SecretKeyError
from services.secret_box import SecretBox


def test_round_trip_and_token_hides_the_plaintext() -> None:
    box = SecretBox.from_passphrase("hospital-key")
    token = box.encrypt("รหัสผ่าน-S3cret")
    assert "S3cret" not in token
    assert box.decrypt(token) == "รหัสผ่าน-S3cret"


def test_same_passphrase_decrypts_across_instances() -> None:
    token = SecretBox.from_passphrase("k1").encrypt("pw")
    assert SecretBox.from_passphrase("k1").decrypt(token) == "pw"


def test_wrong_key_gives_a_one_line_error_without_the_token() -> None:
    token = SecretBox.from_passphrase("k1").encrypt("pw")
    with pytest.raises(SecretKeyError) as caught:
        SecretBox.from_passphrase("k2").decrypt(token)
    assert "\n" not in caught.value.message
    assert token not in caught.value.message


def test_key_file_is_created_once_with_mode_0600(tmp_path: Path) -> None:
    key_file = tmp_path / "data" / "secret.key"
    token = SecretBox.from_key_file(key_file).encrypt("pw")
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    first_key = key_file.read_bytes()
    assert SecretBox.from_key_file(key_file).decrypt(token) == "pw"
    assert key_file.read_bytes() == first_key
