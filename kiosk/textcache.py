"""A cache of rendered text textures for Kivy's labels.

Kivy renders a label's text into a new texture each time the text changes: it rasterises the
glyphs (Chinese from a CFF font is costly) and uploads the pixels, and on a kiosk without a GPU
(Mesa's software renderer) the upload alone takes about 10 ms a label. A kiosk shows the same
few hundred strings again and again (tile names, titles, buttons), so each rendered texture is
kept by (text, size, options), least recently used out, and a label that shows a string again
takes the texture as it is. A cached texture is never drawn into again, so sharing it is safe.
Measured by ``python -m bench.kiosk`` (tap to the next screen's first frame).
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

ENTRIES = 400  # a rendered line is tens of kilobytes of texture
_cache: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
_installed = False


def _key(label: Any) -> tuple[Any, ...]:
    options = tuple((name, repr(value)) for name, value in sorted(label.options.items()))
    return (label.text, tuple(label._size), options)


def _forget(*_args: Any) -> None:
    """The GL context was lost and textures are being rebuilt: start over."""
    _cache.clear()


def install() -> None:
    """Replace ``LabelBase.refresh`` (once per process) with one that reuses textures."""
    global _installed
    if _installed:
        return
    from kivy.core.text import LabelBase
    from kivy.graphics.texture import Texture

    def refresh(self: Any) -> None:
        # As LabelBase.refresh, except that a texture is looked up before one is made, and a
        # new one is always made (never drawn over), so a cached texture stays as it was.
        self.resolve_font_name()
        size = self.render()
        self._size_texture = size
        self._size = (size[0], size[1])
        width, height = self._size
        if width <= 1 or height <= 1:
            self.texture = self.texture_1px
            return
        key = _key(self)
        texture = _cache.get(key)
        if texture is not None:
            _cache.move_to_end(key)
            self.texture = texture
            return
        # Drawn now, not on first use: by then the label may show another text already.
        texture = Texture.create(size=(width, height), mipmap=self.options["mipmap"])
        texture.flip_vertical()
        texture.add_reload_observer(self._texture_refresh)
        texture.add_reload_observer(_forget)
        self.texture = texture
        self._render_real()
        _cache[key] = texture
        while len(_cache) > ENTRIES:
            _cache.popitem(last=False)

    LabelBase.refresh = refresh
    _installed = True
