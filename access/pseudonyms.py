"""Per-project keyed pseudonyms for direct identifiers, computed inside DuckDB.

A pseudonym is `SHA-256(key ‖ UTF-8(value))`, hex, truncated to 128 bits (32 hex digits). The key is 32 random
bytes per project, stored under `<home>/keys/projects/<project>.key` (mode 0600) and kept when a project is
revoked, so a re-approved project sees the same pseudonyms again. Consequences, on purpose:

* the same identifier gets the same pseudonym in every dataset of one project, so a project can still link its
  own approved datasets;
* two projects get unrelated pseudonyms for the same person, so their outputs cannot be linked;
* without the key nobody can test a guessed identifier against a pseudonym (a plain hash of a national id could
  be reversed by enumerating the few million possible ids).

Why not HMAC: DuckDB has no HMAC, and HMAC written in SQL (two SHA-256 passes plus hex decoding) costs 2.9 s per
million values against 0.9 s for this construction. Secret-prefix hashing is only weak through length extension,
which needs the full digest; truncating it to 128 bits removes that (the same reason SHA-512/256 resists it).

The key never enters a database file: the views call the macro `fedcat_pseudonym(v)`, which the query worker
defines in its connection's temporary catalog from the key file before it locks its configuration. The user's
SQL can neither call that macro nor read its definition (see `access.sandbox_sql`).
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from pathlib import Path

MACRO_NAME = "fedcat_pseudonym"
KEY_BYTES = 32
PSEUDONYM_HEX_DIGITS = 32
# Project ids name key files, databases and directories: keep them to a safe file-name alphabet.
PROJECT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


def valid_project_id(project_id: str) -> bool:
    """True when `project_id` can safely name files under the node's home (no separators, no dots)."""
    return bool(PROJECT_ID.match(project_id))


def key_path(home: Path, project_id: str) -> Path:
    """Where the project's pseudonym key lives."""
    if not valid_project_id(project_id):
        raise ValueError(f"invalid project id {project_id!r}")
    return home / "keys" / "projects" / f"{project_id}.key"


def project_key(home: Path, project_id: str) -> bytes:
    """The project's key, created (32 random bytes, mode 0600) on first use; concurrent creators agree."""
    path = key_path(home, project_id)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = bytes.fromhex(path.read_text().strip())
        if len(key) != KEY_BYTES:
            raise ValueError(f"the pseudonym key {path} is damaged") from None
        return key
    key = secrets.token_bytes(KEY_BYTES)
    with os.fdopen(fd, "w") as handle:
        handle.write(key.hex())
    return key


def pseudonym(key: bytes, value: object) -> str | None:
    """The pseudonym of `value` as the views compute it (for strings and integers; None stays None)."""
    if value is None:
        return None
    return hashlib.sha256(key + str(value).encode()).hexdigest()[:PSEUDONYM_HEX_DIGITS]


def macro_sql(key: bytes) -> str:
    """`CREATE TEMP MACRO fedcat_pseudonym(v)`: the SQL twin of `pseudonym`, with the key as a constant."""
    if len(key) != KEY_BYTES:
        raise ValueError("a pseudonym key is 32 bytes")
    return (
        f"CREATE OR REPLACE TEMP MACRO {MACRO_NAME}(v) AS "
        f"CASE WHEN v IS NULL THEN NULL ELSE "
        f"left(sha256(unhex('{key.hex()}') || encode(CAST(v AS VARCHAR))), {PSEUDONYM_HEX_DIGITS}) END"
    )
