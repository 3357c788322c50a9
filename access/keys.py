"""The node's signing keys under `<home>/keys/`: RSA private keys as PEM files and a manifest of their ages.

Rotation adds a new key and makes it the one that signs; the old key stays in the JWKS (and verifies) until
every token it signed has expired, so a rotation needs no downtime and invalidates nothing. A running server
notices a rotation by the manifest's modification time.
"""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from joserfc.jwk import KeySet, RSAKey

from catalogue.errors import ConfigError

MANIFEST = "signing-keys.json"
KEY_BITS = 2048


@dataclass(frozen=True)
class KeyInfo:
    """One key in the manifest."""

    kid: str
    created: datetime
    retired: datetime | None


def _now() -> datetime:
    return datetime.now(UTC)


class KeyRing:
    """The signing keys of one node; thread-safe, reloads when another process rotates."""

    def __init__(self, folder: Path, *, grace_seconds: float, clock: Any = _now) -> None:
        self.folder = folder
        self.grace = timedelta(seconds=grace_seconds)  # the longest a retired key's tokens can still live
        self.clock = clock
        self._lock = threading.Lock()
        self._stamp: float | None = None
        self._checked = 0.0
        self._infos: list[KeyInfo] = []
        self._keys: dict[str, RSAKey] = {}

    # Files

    @property
    def manifest(self) -> Path:
        return self.folder / MANIFEST

    def _write_manifest(self, infos: list[KeyInfo]) -> None:
        body = [
            {"kid": i.kid, "created": i.created.isoformat(), "retired": i.retired.isoformat() if i.retired else None}
            for i in infos
        ]
        tmp = self.manifest.with_suffix(".tmp")
        tmp.write_text(json.dumps(body, indent=2))
        os.replace(tmp, self.manifest)

    def _read_manifest(self) -> list[KeyInfo]:
        try:
            raw = json.loads(self.manifest.read_text())
        except FileNotFoundError:
            return []
        except (OSError, ValueError) as exc:
            raise ConfigError(f"the key manifest {self.manifest} is unreadable: {exc}") from exc
        return [
            KeyInfo(
                r["kid"],
                datetime.fromisoformat(r["created"]),
                datetime.fromisoformat(r["retired"]) if r.get("retired") else None,
            )
            for r in raw
        ]

    def _load(self, force: bool = False) -> None:
        # A stat every second at most: cheap enough for the hot path, quick enough to see a rotation.
        now = time.monotonic()
        if not force and now - self._checked < 1.0:
            return
        self._checked = now
        try:
            stamp = self.manifest.stat().st_mtime_ns
        except FileNotFoundError:
            stamp = None
        if stamp == self._stamp and not force:
            return
        with self._lock:
            infos = self._read_manifest()
            keys = {}
            for info in infos:
                path = self.folder / f"{info.kid}.pem"
                if path.exists():
                    keys[info.kid] = RSAKey.import_key(
                        path.read_bytes(), {"kid": info.kid, "alg": "RS256", "use": "sig"}
                    )
            self._infos, self._keys, self._stamp = infos, keys, stamp

    # Operations

    def ensure(self) -> str:
        """The current signing key's kid, creating the first key when there is none."""
        self._load()
        if not self._infos:
            return self.rotate()
        return self._infos[-1].kid

    def rotate(self) -> str:
        """Add a new signing key, retire the current one, drop keys whose tokens have all expired."""
        self.folder.mkdir(parents=True, exist_ok=True)
        with self._lock:
            infos = self._read_manifest()
            key = RSAKey.generate_key(KEY_BITS, private=True)
            kid = key.thumbprint()
            path = self.folder / f"{kid}.pem"
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # private: owner only
            with os.fdopen(fd, "wb") as fh:
                fh.write(key.as_pem(private=True))
            now = self.clock()
            infos = [KeyInfo(i.kid, i.created, i.retired or now) for i in infos]
            keep = [i for i in infos if i.retired is None or i.retired + self.grace > now]
            for gone in (i for i in infos if i not in keep):
                (self.folder / f"{gone.kid}.pem").unlink(missing_ok=True)
            self._write_manifest([*keep, KeyInfo(kid, now, None)])
        self._load(force=True)
        return kid

    def signing_key(self) -> RSAKey:
        """The private key that signs new tokens."""
        kid = self.ensure()
        return self._keys[kid]

    def verification_key(self, kid: str) -> RSAKey | None:
        """The public key for `kid` if it may still verify tokens."""
        self._load()
        key = self._keys.get(kid)
        if key is None:
            return None
        info = next(i for i in self._infos if i.kid == kid)
        if info.retired is not None and info.retired + self.grace <= self.clock():
            return None
        return key

    def infos(self) -> list[KeyInfo]:
        """Every key in the manifest, oldest first."""
        self._load()
        return list(self._infos)

    def jwks(self) -> dict[str, Any]:
        """The public JWKS: the signing key and every retired key whose tokens may still be alive."""
        self.ensure()
        now = self.clock()
        live = [i.kid for i in self._infos if i.retired is None or i.retired + self.grace > now]
        return dict(KeySet([self._keys[k] for k in live if k in self._keys]).as_dict(private=False))
