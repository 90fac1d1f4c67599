"""Kiosk settings, read from a TOML file an operator edits (see kiosk.example.toml)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

Language = Literal["zh", "en"]
LANGUAGES: tuple[Language, ...] = ("zh", "en")
MIN_HEARTBEAT_S = 5
MAX_HEARTBEAT_S = 3600
DEFAULT_ELDER_OFFER_AGE = 65


class ConfigError(ValueError):
    """The config file is missing, unreadable or holds a bad value; the message names the key."""


@dataclass(frozen=True)
class CounterDesk:
    """Counter mode (a rating pad at a service counter, 窗口评价器): the counter, the matter it
    serves and who is serving; the app shows only the five faces."""

    code: str
    matter: str
    staff_code: str | None = None
    staff_name: str | None = None


@dataclass(frozen=True)
class KioskConfig:
    server_url: str = "http://127.0.0.1:8000"
    token_path: Path = Path("var/kiosk/token.json")
    enrollment_code: str | None = None
    heartbeat_interval_s: int = 30
    language: Language = "zh"
    elder_mode: bool = False
    # A card showing the person is this old or older offers elder mode for the visit; 0: never.
    elder_mode_offer_age: int = DEFAULT_ELDER_OFFER_AGE
    fullscreen: bool = False
    window_size: tuple[int, int] = (1280, 800)
    # The [devices] table, passed as it is to kiosk.devices.factory.build_devices.
    devices: dict[str, Any] = field(default_factory=dict, compare=False)
    # The [counter] table: present, the app runs as a counter's rating pad.
    counter: CounterDesk | None = None

    @classmethod
    def load(cls, path: Path) -> KioskConfig:
        """Read ``path``; relative paths in it are resolved against the file's folder."""
        try:
            with path.open("rb") as fh:
                data = tomllib.load(fh)
        except FileNotFoundError as exc:
            raise ConfigError(f"config file not found: {path}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config file {path} is not valid TOML: {exc}") from exc
        return cls.from_mapping(data, base_dir=path.resolve().parent)

    @classmethod
    def from_mapping(cls, data: dict[str, Any], base_dir: Path) -> KioskConfig:
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(f"unknown config key(s): {', '.join(unknown)}")
        defaults = cls()
        token_path = Path(_str(data, "token_path", str(defaults.token_path)))
        if not token_path.is_absolute():
            token_path = base_dir / token_path
        return cls(
            server_url=_server_url(data, defaults.server_url),
            token_path=token_path,
            enrollment_code=_optional_str(data, "enrollment_code"),
            heartbeat_interval_s=_heartbeat(data, defaults.heartbeat_interval_s),
            language=_language(data, defaults.language),
            elder_mode=_bool(data, "elder_mode", defaults.elder_mode),
            elder_mode_offer_age=_offer_age(data, defaults.elder_mode_offer_age),
            fullscreen=_bool(data, "fullscreen", defaults.fullscreen),
            window_size=_window_size(data, defaults.window_size),
            devices=_devices(data),
            counter=_counter(data),
        )


def _str(data: dict[str, Any], key: str, default: str) -> str:
    value = data.get(key, default)
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{key} must be a non-empty string, got {value!r}")
    return value.strip()


def _optional_str(data: dict[str, Any], key: str) -> str | None:
    if key not in data:
        return None
    return _str(data, key, "")


def _bool(data: dict[str, Any], key: str, default: bool) -> bool:
    value = data.get(key, default)
    if not isinstance(value, bool):
        raise ConfigError(f"{key} must be true or false, got {value!r}")
    return value


def _server_url(data: dict[str, Any], default: str) -> str:
    url = _str(data, "server_url", default).rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise ConfigError(f"server_url must start with http:// or https://, got {url!r}")
    return url


def _heartbeat(data: dict[str, Any], default: int) -> int:
    value = data.get("heartbeat_interval_s", default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"heartbeat_interval_s must be a whole number, got {value!r}")
    if not MIN_HEARTBEAT_S <= value <= MAX_HEARTBEAT_S:
        raise ConfigError(
            f"heartbeat_interval_s must be between {MIN_HEARTBEAT_S} and {MAX_HEARTBEAT_S}"
            f" seconds, got {value}"
        )
    return value


def _offer_age(data: dict[str, Any], default: int) -> int:
    value = data.get("elder_mode_offer_age", default)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 150:
        raise ConfigError(
            f"elder_mode_offer_age must be an age in years (0 never offers), got {value!r}"
        )
    return value


def _language(data: dict[str, Any], default: Language) -> Language:
    value = data.get("language", default)
    for language in LANGUAGES:
        if value == language:
            return language
    raise ConfigError(f"language must be one of {', '.join(LANGUAGES)}, got {value!r}")


def _window_size(data: dict[str, Any], default: tuple[int, int]) -> tuple[int, int]:
    value = data.get("window_size", list(default))
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value)
    ):
        raise ConfigError(f"window_size must be [width, height] in pixels, got {value!r}")
    return (value[0], value[1])


def _devices(data: dict[str, Any]) -> dict[str, Any]:
    value = data.get("devices", {})
    if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
        raise ConfigError("devices must be a table of [devices.<name>] tables")
    return value


COUNTER_KEYS = frozenset({"code", "matter", "staff_code", "staff_name"})


def _counter(data: dict[str, Any]) -> CounterDesk | None:
    value = data.get("counter")
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ConfigError("counter must be a [counter] table")
    unknown = sorted(set(value) - COUNTER_KEYS)
    if unknown:
        raise ConfigError(f"unknown counter key(s): {', '.join(unknown)}")
    for key in ("code", "matter"):
        if key not in value:
            raise ConfigError(f"counter.{key} is required in counter mode")
    return CounterDesk(
        code=_str(value, "code", ""),
        matter=_str(value, "matter", ""),
        staff_code=_optional_str(value, "staff_code"),
        staff_name=_optional_str(value, "staff_name"),
    )
