"""Small typed readers for the environment; every setting has an embedded default."""

import json
import os


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise RuntimeError(f"Environment variable {name} must be a whole number, got {raw!r}") from exc


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return default
    return raw in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_json_map(name: str, allowed_keys: set[str] | None = None) -> dict[str, str]:
    """A JSON object of strings, e.g. `{"raised": "id-1", "resolved": "id-2"}`; empty when unset.

    A value that is not such an object, or names a key outside `allowed_keys`, stops the start-up with a message
    (a typo must not silently switch a write-back off)."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise RuntimeError(f"Environment variable {name} must be a JSON object, got {raw!r}") from exc
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in value.items()
    ):
        raise RuntimeError(f"Environment variable {name} must map names to non-empty strings, got {raw!r}")
    unknown = set(value) - allowed_keys if allowed_keys is not None else set()
    if unknown:
        raise RuntimeError(
            f"Environment variable {name} has unknown keys {sorted(unknown)}; use {sorted(allowed_keys or ())}"
        )
    return {key: item.strip() for key, item in value.items()}
