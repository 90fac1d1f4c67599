"""Reading kiosk.toml: defaults, path resolution, and errors that name the bad key."""

from __future__ import annotations

from pathlib import Path

import pytest

import kiosk
from kiosk.config import ConfigError, CounterDesk, KioskConfig


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_empty_file_gives_defaults_with_token_path_beside_the_file(tmp_path: Path) -> None:
    config = KioskConfig.load(write(tmp_path, ""))

    assert config == KioskConfig(token_path=tmp_path / "var/kiosk/token.json")
    assert config.server_url == "http://127.0.0.1:8000"
    assert config.enrollment_code is None
    assert config.heartbeat_interval_s == 30
    assert config.language == "zh"
    assert config.elder_mode is False
    assert config.fullscreen is False
    assert config.window_size == (1280, 800)


def test_values_are_read_and_relative_token_path_resolved(tmp_path: Path) -> None:
    config = KioskConfig.load(
        write(
            tmp_path,
            'server_url = "https://ops.example.org/"\n'
            'token_path = "state/token.json"\n'
            'enrollment_code = "ABCD-1234"\n'
            "heartbeat_interval_s = 5\n"
            'language = "en"\n'
            "elder_mode = true\n"
            "fullscreen = true\n"
            "window_size = [1920, 1080]\n",
        )
    )

    assert config.server_url == "https://ops.example.org"
    assert config.token_path == tmp_path / "state" / "token.json"
    assert config.enrollment_code == "ABCD-1234"
    assert config.heartbeat_interval_s == 5
    assert config.language == "en"
    assert config.elder_mode is True
    assert config.fullscreen is True
    assert config.window_size == (1920, 1080)


def test_absolute_token_path_is_kept(tmp_path: Path) -> None:
    config = KioskConfig.load(write(tmp_path, 'token_path = "/srv/kiosk/token.json"\n'))
    assert config.token_path == Path("/srv/kiosk/token.json")


def test_a_counter_table_makes_a_counters_rating_pad(tmp_path: Path) -> None:
    text = '[counter]\ncode = "W03"\nmatter = "SI-CARD-REPLACE"\nstaff_code = "A012"\n'
    config = KioskConfig.load(write(tmp_path, text))
    assert config.counter == CounterDesk("W03", "SI-CARD-REPLACE", "A012", None)
    assert KioskConfig.load(write(tmp_path, "")).counter is None


def test_example_file_loads() -> None:
    example = Path(kiosk.__file__).parent / "kiosk.example.toml"
    config = KioskConfig.load(example)
    assert config.token_path == example.parent / "var/kiosk/token.json"
    assert config.heartbeat_interval_s == 30


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("heartbeat_interval_s = 4\n", "heartbeat_interval_s"),
        ("heartbeat_interval_s = 3601\n", "heartbeat_interval_s"),
        ('heartbeat_interval_s = "30"\n', "heartbeat_interval_s"),
        ("heartbeat_interval_s = true\n", "heartbeat_interval_s"),
        ('language = "fr"\n', "language"),
        ('elder_mode = "yes"\n', "elder_mode"),
        ("fullscreen = 1\n", "fullscreen"),
        ("window_size = [1280]\n", "window_size"),
        ("window_size = [1280, 0]\n", "window_size"),
        ('server_url = "ftp://example.org"\n', "server_url"),
        ('server_url = ""\n', "server_url"),
        ("enrollment_code = 1234\n", "enrollment_code"),
        ("token_path = 5\n", "token_path"),
        ('colour = "blue"\n', "colour"),
        ('[counter]\nmatter = "SI-CARD-REPLACE"\n', "counter.code"),
        ('[counter]\ncode = "W03"\n', "counter.matter"),
        ('[counter]\ncode = "W03"\nmatter = "M"\nwindow = 3\n', "window"),
        ('counter = "W03"\n', "counter"),
    ],
)
def test_bad_values_and_unknown_keys_name_the_key(tmp_path: Path, text: str, key: str) -> None:
    with pytest.raises(ConfigError, match=key):
        KioskConfig.load(write(tmp_path, text))


def test_missing_file_and_broken_toml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        KioskConfig.load(tmp_path / "absent.toml")
    with pytest.raises(ConfigError, match="not valid TOML"):
        KioskConfig.load(write(tmp_path, "language = \n"))
