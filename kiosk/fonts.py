"""The kiosk's one font, Noto Sans SC from the installed font package, as Kivy's default."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

FONT_PACKAGE = "pylopdf_fonts_zh_cn"
FONT_FILE = "NotoSansSC-Regular.otf"
FONT_NAME = "Roboto"  # Kivy's default font name; replacing it makes every Label use ours.


def font_path() -> Path:
    """Path of NotoSansSC-Regular.otf inside the installed package; no Kivy import."""
    path = Path(str(resources.files(FONT_PACKAGE).joinpath(FONT_FILE)))
    if not path.is_file():
        raise FileNotFoundError(f"{FONT_FILE} not found in package {FONT_PACKAGE}")
    return path


def register_default_font() -> Path:
    """Register Noto Sans SC as Kivy's default font for all styles; returns its path."""
    from kivy.core.text import LabelBase

    path = str(font_path())
    LabelBase.register(
        name=FONT_NAME, fn_regular=path, fn_italic=path, fn_bold=path, fn_bolditalic=path
    )
    return Path(path)
