"""Templates and the context every page gets: the user, the language, the nav by role."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from backoffice.access import Role
from backoffice.cases import descriptions
from backoffice.web import i18n
from backoffice.web.auth import PageUser, take_flash
from backoffice.web.roles import NAV

LOCAL_ZONE = ZoneInfo("Asia/Shanghai")
LANG_COOKIE = "zhili_lang"
TEMPLATES = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))


def local_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """Times are stored in UTC and shown in the subdistrict's local time."""
    if value is None:
        return "—"
    return value.astimezone(LOCAL_ZONE).strftime(fmt)


TEMPLATES.env.filters["local"] = local_time


def language_of(request: Request) -> str:
    lang = request.cookies.get(LANG_COOKIE, "zh")
    return lang if lang in i18n.LANGUAGES else "zh"


@dataclass(frozen=True)
class NavItem:
    href: str
    label: str
    active: bool


def nav_for(role: Role, path: str) -> list[NavItem]:
    items = []
    for href, label, roles in NAV:
        if role in roles:
            active = path == href if href == "/ops/" else path.startswith(href)
            items.append(NavItem(href, label, active))
    return items


def page(
    request: Request,
    template: str,
    user: PageUser | None,
    *,
    title: str,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    lang = language_of(request)

    def t(text: str) -> str:
        return i18n.translate(text, lang)

    def worded(obj: Any) -> str:
        """A case's description or a timeline line's reason, in the page's language when the
        system wrote it as a fact."""
        if hasattr(obj, "description_fact"):
            return descriptions.render(obj.description_fact, lang, obj.description)
        fact = getattr(obj, "reason_fact", None)
        if fact:
            return descriptions.render(fact, lang, obj.reason)
        # A reason the system wrote as text (or a person typed) reads through the catalog.
        return i18n.translate_message(obj.reason, lang)

    return TEMPLATES.TemplateResponse(
        request,
        template,
        {
            "user": user,
            "lang": lang,
            "t": t,
            "worded": worded,
            "tm": lambda message: i18n.translate_message(message, lang),
            "title": title,
            "nav": nav_for(user.role, request.url.path) if user else [],
            # An error page leaves the message for the next page that works.
            "flash": take_flash(user) if user and status_code < 400 else None,
            "csrf": user.csrf if user else "",
            "path": request.url.path,
            "query": request.url.query,
            "demo": request.app.state.settings.demo,
            **context,
        },
        status_code=status_code,
    )
