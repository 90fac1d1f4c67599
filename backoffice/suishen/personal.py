"""ID numbers and names: GB 11643 check, keyed hash for look-ups, masks for display."""

from __future__ import annotations

from backoffice.keys import Keys, Purpose

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARACTERS = "10X98765432"


def is_valid_id_number(value: str) -> bool:
    """18 characters, a plausible birth date and the ISO 7064 MOD 11-2 check character."""
    if len(value) != 18 or not value[:17].isascii() or not value[:17].isdigit():
        return False
    month, day = int(value[10:12]), int(value[12:14])
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return False
    total = sum(int(d) * w for d, w in zip(value[:17], WEIGHTS, strict=True))
    return CHECK_CHARACTERS[total % 11] == value[17].upper()


def keyed_hash(keys: Keys, id_number: str) -> str:
    """HMAC-SHA256 of the upper-cased ID number under the ID-hash key: the only form in which
    it is kept."""
    return keys.keyed_hash(Purpose.ID_HASH, id_number.strip().upper())


def mask_id_number(id_number: str) -> str:
    """The kiosk's mask (kiosk.devices.idnumber): first 3 and last 4 kept, ``110***********002X``,
    so screens, printed pages and the ops pages show a person the same way."""
    value = id_number.strip().upper()
    return value[:3] + "*" * (len(value) - 7) + value[-4:] if len(value) >= 8 else "*" * len(value)


def mask_name(name: str) -> str:
    """张* for two characters, 欧*明 for three and more: enough to recognise, not to find."""
    name = name.strip()
    if len(name) <= 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
