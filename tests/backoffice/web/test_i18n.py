"""Every string the templates translate has its Chinese."""

from __future__ import annotations

import re
from pathlib import Path

from backoffice.web import i18n
from backoffice.web.roles import NAV

TEMPLATES = Path(i18n.__file__).with_name("templates")
CALLS = re.compile(r"""\bt\((["'])(.+?)\1\)""")


def test_every_template_string_has_chinese() -> None:
    used = {m.group(2) for p in TEMPLATES.glob("*.html") for m in CALLS.finditer(p.read_text())}
    used |= {label for _href, label, _roles in NAV}
    assert len(used) > 130
    assert sorted(used - set(i18n.ZH)) == []


def test_english_is_the_key_itself() -> None:
    assert i18n.translate("Overdue", "en") == "Overdue"
    assert i18n.translate("Overdue", "zh") == "超期"
    assert i18n.translate("Refreshes every {s} s", "zh").format(s=15) == "每 15 秒自动刷新"
