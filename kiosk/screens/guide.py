"""A matter's guide, one page at a time: steps, the material pre-check, place and hours, then
what to do next (print the guide, send it to the staff)."""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.properties import ListProperty, NumericProperty, StringProperty
from kivy.uix.label import Label
from kivy.uix.screenmanager import Screen
from kivy.uix.togglebutton import ToggleButton

from kiosk.catalog import GuidePage, Matter, PageKind, guide_pages
from kiosk.kvload import load_kv_beside

PLACE_FIELDS = ("place", "hours", "fee", "time_limit")


class GuideText(Label):
    """A paragraph of the guide, wrapped to the page's width."""


class MaterialToggle(ToggleButton):
    """One material: tapped once when the person has it with them."""

    code = StringProperty("")
    # The check box's side, which grows with the text in elder mode.
    box = NumericProperty(0.0)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        app: Any = App.get_running_app()
        self.box = app.font_body * 1.1

    def on_release(self) -> None:
        app: Any = App.get_running_app()
        app.speak_action(self.text)
        screen = app.screens.get_screen("guide")
        screen.tick(self.code, self.state == "down")


class GuideScreen(Screen):
    voice_key = "voice.guide"
    matter_code = StringProperty("")
    page_index = NumericProperty(0)
    page_count = NumericProperty(1)
    ticked = ListProperty([])
    # What happened to the last print or consult, in both languages (shown on the last page).
    notice = ListProperty(["", ""])
    reference = StringProperty("")

    def open(self, code: str) -> None:
        self.matter_code = code
        self.ticked = []
        self.notice = ["", ""]
        self.reference = ""
        self.page_index = 0
        self.refresh()

    @property
    def matter(self) -> Matter | None:
        app: Any = App.get_running_app()
        catalog = app.catalog_store.catalog
        if catalog is None or self.matter_code not in catalog.items:
            return None
        matter: Matter = catalog.items[self.matter_code]
        return matter

    def pages(self) -> list[GuidePage]:
        app: Any = App.get_running_app()
        matter = self.matter
        return guide_pages(matter, bool(app.elder_mode)) if matter else []

    def current(self) -> GuidePage | None:
        pages = self.pages()
        return pages[min(self.page_index, len(pages) - 1)] if pages else None

    def turn(self, step: int) -> None:
        self.page_index = min(max(0, self.page_index + step), self.page_count - 1)
        self.refresh()

    def tick(self, code: str, have: bool) -> None:
        ticked = [c for c in self.ticked if c != code]
        self.ticked = [*ticked, code] if have else ticked

    def missing_text(self, language: str) -> str:
        app: Any = App.get_running_app()
        matter = self.matter
        if matter is None or not matter.materials:
            return str(app.tr("precheck.none", language))
        missing = matter.missing(set(self.ticked))
        if not missing:
            return str(app.tr("precheck.complete", language))
        separator = ", " if language == "en" else "、"
        names = separator.join(m.name[language] for m in missing)
        return str(app.tr("precheck.missing", language)).format(count=len(missing), names=names)

    def title_text(self, language: str) -> str:
        matter = self.matter
        return matter.name[language] if matter else ""

    def heading_text(self, language: str) -> str:
        app: Any = App.get_running_app()
        page = self.current()
        if page is None or page.kind == PageKind.NEXT:
            return ""  # the last page's buttons say what they do; the room goes to them
        heading = str(app.tr(f"guide.{page.kind.value}", language))
        if page.parts > 1:
            heading += str(app.tr("guide.part", language)).format(part=page.part, parts=page.parts)
        return heading

    def refresh(self, *_args: object) -> None:
        app: Any = App.get_running_app()
        language = "en" if app.language == "en" else "zh"
        content = self.ids.content
        content.clear_widgets()
        pages = self.pages()
        self.page_count = max(1, len(pages))
        page = self.current()
        matter = self.matter
        if page is None or matter is None:
            return
        self.page_index = min(self.page_index, self.page_count - 1)
        self.ids.heading.text = self.heading_text(language)
        if page.kind == PageKind.STEPS:
            for entry in page.entries:
                number = int(entry)
                content.add_widget(
                    GuideText(text=f"{number + 1}. {matter.steps[number][language]}")
                )
        elif page.kind == PageKind.MATERIALS:
            by_code = {m.code: m for m in matter.materials}
            for code in page.entries:
                material = by_code[code]
                text = material.question[language]
                if not material.required:
                    text += str(app.tr("guide.optional", language))
                toggle = MaterialToggle(code=code, text=text)
                toggle.state = "down" if code in self.ticked else "normal"
                content.add_widget(toggle)
        elif page.kind == PageKind.PLACE:
            for field in page.entries:
                value = getattr(matter, field)[language]
                line = str(app.tr(f"guide.field.{field}", language)).format(value=value)
                content.add_widget(GuideText(text=line))
        else:
            self._next_steps(language)

    def _next_steps(self, language: str) -> None:
        from kiosk.app import KioskButton, PrimaryButton

        app: Any = App.get_running_app()
        content = self.ids.content
        matter = self.matter
        assert matter is not None
        if self.reference:
            sent = str(app.tr("consult.sent", language)).format(reference=self.reference)
            content.add_widget(GuideText(text=sent))
        if self.notice[0]:
            content.add_widget(GuideText(text=self.notice[1 if language == "en" else 0]))
        elif matter.materials and not self.reference:
            content.add_widget(GuideText(text=self.missing_text(language)))
        size = {"size_hint_y": None, "height": app.button_height}
        print_button = PrimaryButton(text=app.tr("guide.print", language), **size)
        print_button.bind(on_release=lambda _b: app.print_guide(matter.code))
        content.add_widget(print_button)
        if self.reference:
            again = KioskButton(text=app.tr("consult.print", language), **size)
            again.bind(on_release=lambda _b: app.print_reference(self.reference))
            content.add_widget(again)
        else:
            key = "guide.consult.precheck" if matter.materials else "guide.consult"
            consult = KioskButton(text=app.tr(key, language), **size)
            consult.bind(on_release=lambda _b: app.send_consult(matter.code, list(self.ticked)))
            content.add_widget(consult)

    def say(self, key: str, **values: str) -> None:
        """Show the outcome of a print or consult on the last page."""
        app: Any = App.get_running_app()
        self.notice = [
            str(app.tr(key, "zh")).format(**values),
            str(app.tr(key, "en")).format(**values),
        ]
        self.refresh()

    def show_reference(self, reference: str) -> None:
        """The consult went through: its reference number stays on the last page."""
        self.reference = reference
        self.notice = ["", ""]
        self.refresh()

    def wipe(self) -> None:
        self.matter_code = ""
        self.ticked = []
        self.notice = ["", ""]
        self.reference = ""
        self.page_index = 0
        self.ids.content.clear_widgets()


load_kv_beside(__file__)
