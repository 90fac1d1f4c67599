"""Load a screen's .kv file from the package folder once per process."""

from __future__ import annotations

from pathlib import Path

from kivy.lang import Builder


def load_kv_beside(module_file: str) -> None:
    """Load ``<module>.kv`` next to ``module_file``; loading a file twice would duplicate rules."""
    path = str(Path(module_file).with_suffix(".kv"))
    if path not in Builder.files:
        Builder.load_file(path)
