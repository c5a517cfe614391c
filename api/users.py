"""Who is calling: API tokens mapped to principals (user id, role, departments, services).

Tokens live in a YAML users file (``SPORTEL_USERS_FILE``); the embedded default ships demo users for
the demo and the tests. Only a SHA-256 of each token is kept in memory, so a dump of the process never
shows a usable token.
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from pipeline.errors import ConfigurationError
from pipeline.yamlfile import read_yaml

DEMO_USERS_FILE = Path(__file__).parent / "demo_users.yaml"


class UserRecord(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    user_id: str
    role: str
    token_sha256: str
    departments: list[str] = []
    services: list[str] = []
    assigned_cases: list[str] = []
    """Cases this officer is assigned to ("*" for all); only assigned officers may see originals."""


class UserDirectory:
    def __init__(self, users: list[UserRecord]) -> None:
        self._by_hash = {u.token_sha256: u for u in users}

    def all(self) -> list[UserRecord]:
        return list(self._by_hash.values())

    def authenticate(self, token: str) -> UserRecord | None:
        digest = hashlib.sha256(token.encode()).hexdigest()
        for known, user in self._by_hash.items():
            if hmac.compare_digest(known, digest):
                return user
        return None


def load_users(path: Path | None) -> UserDirectory:
    source = path or DEMO_USERS_FILE
    try:
        raw = read_yaml(source)
        return UserDirectory([UserRecord(**u) for u in raw["users"]])
    except (OSError, KeyError, TypeError, yaml.YAMLError, ValidationError) as exc:
        raise ConfigurationError(f"users file {source} does not validate: {exc}") from exc
