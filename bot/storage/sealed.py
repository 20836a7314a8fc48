"""Customer text at rest, sealed: what an update carries is encrypted before it is stored.

The raw update a customer sends (it may hold a password typed at the wrong step) waits in the
inbox for at most seconds, and stays in dead letters until support looks at it; an e-mail body
(a reset code, a CDA) waits in the outbox until it is sent, then is dropped. All three are
sealed before they are written, with Fernet (AES-128-CBC + HMAC-SHA256, from the
``cryptography`` library), so the table files, the WAL, backups and replicas never hold them
readable.

Keys: ``DATA_KEYS``, comma-separated Fernet keys (``aspel-bot keys new`` makes one). The first
seals; every one opens (``MultiFernet``). To rotate: put a new key first, keep the old ones
after it, restart, run ``aspel-bot keys rotate`` (re-seals what is stored with the new key, and
seals what an older version stored in clear),
then drop the old keys. With no ``DATA_KEYS`` and a SQLite store (the embedded default), a key
is made once and kept beside the database file (``bot.db.key``, readable by its owner only).
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy.engine import make_url

SEALED_PREFIX = "gAAAAA"


class SealError(Exception):
    """A stored value could not be opened with any of the keys."""


class Sealer:
    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise ValueError("at least one key is needed")
        self._fernet = MultiFernet([Fernet(key.strip().encode()) for key in keys])

    def seal(self, text: str) -> str:
        return self._fernet.encrypt(text.encode()).decode()

    def open(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken as error:
            raise SealError("no key opens this value") from error

    def rotate(self, token: str) -> str:
        return self._fernet.rotate(token.encode()).decode()

    def reseal(self, value: str) -> str:
        """A stored value sealed with the first key (one stored in clear before: sealed now)."""
        return self.rotate(value) if is_sealed(value) else self.seal(value)


def is_sealed(value: str) -> bool:
    """Fernet tokens start with their version byte, base64: no e-mail body or update does."""
    return value.startswith(SEALED_PREFIX)


def open_stored(sealer: Sealer | None, value: str) -> str:
    """A stored value in clear: opened when sealed (rows written before sealing are plain)."""
    if not is_sealed(value):
        return value
    if sealer is None:
        raise SealError("a sealed value, and no key (DATA_KEYS) to open it")
    return sealer.open(value)


def stored_sealer(keys: str | None, database_url: str) -> Sealer | None:
    """``sealer_for``, or None where there is no key (PostgreSQL without DATA_KEYS)."""
    try:
        return sealer_for(keys, database_url)
    except ValueError:
        return None


def new_key() -> str:
    return Fernet.generate_key().decode()


def sealer_for(keys: str | None, database_url: str) -> Sealer:
    """The keys given, or (SQLite only) the key kept beside the database file."""
    if keys:
        return Sealer([k for k in keys.split(",") if k.strip()])
    parsed = make_url(database_url)
    if (
        parsed.get_backend_name() != "sqlite"
        or not parsed.database
        or parsed.database == ":memory:"
    ):
        raise ValueError("DATA_KEYS is not set (aspel-bot keys new makes one)")
    return Sealer([_local_key(Path(f"{parsed.database}.key"))])


def _local_key(path: Path) -> str:
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    key = new_key()
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it a moment ago
        return path.read_text(encoding="ascii").strip()
    try:
        os.write(fd, key.encode())
    finally:
        os.close(fd)
    return key
