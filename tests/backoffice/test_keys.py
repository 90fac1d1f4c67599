"""Keys per purpose and the refusal to serve with the development secret outside demo mode."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import pytest
from pydantic import ValidationError

from backoffice.keys import Keys, Purpose
from backoffice.settings import ADAPTER_SETTINGS, DEFAULT_SECRET_KEY, Settings, StartupRefused
from backoffice.suishen.personal import keyed_hash

NUMBER = "11010519491231002X"


def test_each_purpose_has_its_own_key_derived_from_the_master_secret() -> None:
    keys = Keys("m" * 40)
    derived = {keys.key(purpose) for purpose in Purpose}
    assert len(derived) == len(Purpose)
    assert keys.key(Purpose.ID_HASH) != b"m" * 40
    assert Keys("m" * 40).key(Purpose.PHONE) == keys.key(Purpose.PHONE)  # stable
    assert Keys("n" * 40).key(Purpose.PHONE) != keys.key(Purpose.PHONE)


def test_a_key_configured_one_by_one_replaces_the_derived_one() -> None:
    keys = Keys("m" * 40, {"print-ticket": "from the key vault"})
    assert keys.key(Purpose.PRINT_TICKET) == b"from the key vault"
    assert keys.key(Purpose.ID_HASH) == Keys("m" * 40).key(Purpose.ID_HASH)


def test_key_id_0_keeps_the_hashes_stored_before_keys_were_separated_readable() -> None:
    legacy = Keys("m" * 40, hash_key_id=0)
    before = hmac.new(b"m" * 40, NUMBER.encode(), hashlib.sha256).hexdigest()
    assert keyed_hash(legacy, NUMBER) == before
    assert keyed_hash(Keys("m" * 40), NUMBER) != before


def test_signatures_name_their_key_and_refuse_others() -> None:
    keys = Keys("m" * 40)
    signature = keys.sign(Purpose.PRINT_TICKET, b"ticket")
    assert signature.startswith("1:")
    assert keys.verify(Purpose.PRINT_TICKET, b"ticket", signature)
    assert not keys.verify(Purpose.PRINT_TICKET, b"ticket2", signature)
    assert not keys.verify(Purpose.SUISHEN, b"ticket", signature)  # another purpose's key
    assert not keys.verify(Purpose.PRINT_TICKET, b"ticket", "0" + signature[1:])
    assert not Keys(DEFAULT_SECRET_KEY).verify(Purpose.PRINT_TICKET, b"ticket", signature)


@pytest.mark.parametrize(
    ("secret", "verifier", "says"),
    [
        ("", "demo", "ZHILI_SECRET_KEY is missing or the development default"),
        (DEFAULT_SECRET_KEY, "demo", "ZHILI_SECRET_KEY is missing or the development default"),
        ("short", "demo", "at least 32 characters"),
        ("s" * 40, "demo", r"ZHILI_CARD_VERIFIER is not set \(demo: the demo peer"),
    ],
)
def test_outside_demo_mode_unsafe_settings_are_refused(
    secret: str, verifier: str, says: str, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path, demo=False, secret_key=secret, card_verifier=verifier)
    with pytest.raises(StartupRefused, match=says):
        settings.check_safe_to_serve()


@pytest.mark.parametrize("missing", ["card_verifier", "suishen_adapter", "medical_adapter"])
def test_outside_demo_mode_each_upstream_adapter_must_be_named(
    missing: str, tmp_path: Path
) -> None:
    named = {s: "somewhere.adapters:factory" for s in ADAPTER_SETTINGS}
    settings = Settings(
        data_dir=tmp_path, demo=False, secret_key="s" * 40, **{**named, missing: ""}
    )
    with pytest.raises(StartupRefused, match=f"ZHILI_{missing.upper()} is not set"):
        settings.check_safe_to_serve()
    Settings(data_dir=tmp_path, demo=False, secret_key="s" * 40, **named).check_safe_to_serve()


def test_demo_mode_allows_the_development_secret(tmp_path: Path) -> None:
    demo = Settings(data_dir=tmp_path, demo=True, secret_key="")
    demo.check_safe_to_serve()
    assert demo.effective_secret_key() == DEFAULT_SECRET_KEY


def test_the_token_cache_cannot_be_set_above_five_seconds(tmp_path: Path) -> None:
    with pytest.raises(ValidationError):
        Settings(data_dir=tmp_path, token_cache_s=6)


def test_demo_mode_is_announced_in_the_log(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from backoffice.app import create_app

    with caplog.at_level("WARNING", logger="backoffice.app"):
        create_app(Settings(data_dir=tmp_path, demo=True, migrate_on_start=False))
    assert any("DEMO MODE (ZHILI_DEMO=1)" in record.getMessage() for record in caplog.records)
