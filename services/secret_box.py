"""Encrypts datasource passwords at rest with Fernet (AES-128-CBC + HMAC-SHA256)."""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from services.errors import SecretKeyError


class SecretBox:
    """Turns passwords into opaque tokens and back; the key never leaves this object."""

    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)

    @classmethod
    def from_passphrase(cls, passphrase: str) -> SecretBox:
        """A box keyed by HIS_SECRET_KEY: a Fernet key as is, any other text hashed into one."""
        try:
            return cls(passphrase.encode())
        except ValueError:
            digest = hashlib.sha256(passphrase.encode()).digest()
            return cls(base64.urlsafe_b64encode(digest))

    @classmethod
    def from_key_file(cls, path: Path) -> SecretBox:
        """A box keyed by `path`, created (mode 0600) with a fresh key on first use."""
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            # O_EXCL: two processes starting together must not both write a key.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return cls(path.read_bytes().strip())
        with os.fdopen(fd, "wb") as key_file:
            key = Fernet.generate_key()
            key_file.write(key)
        return cls(key)

    def encrypt(self, plaintext: str) -> str:
        """An opaque token for `plaintext`."""
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, token: str) -> str:
        """The plaintext behind `token`; a one-line error if the key has changed."""
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            raise SecretKeyError(
                "A stored password cannot be decrypted: HIS_SECRET_KEY or the key file changed "
                "since it was saved. Restore the old key or enter the password again."
            ) from None
