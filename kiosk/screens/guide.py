"""A matter's guide, one page at a time: steps, the material pre-check, place and hours, then
what to do next (print the guide, send it to the staff)."""

from __future__ import annotations

from typing import Any

from kivy.properties import ListProperty, NumericProperty, StringProperty
from kivy.uix.label import Label
from kivy.uix.togglebutton import ToggleButton

from kiosk.catalog import GuidePage, Matter, PageKind, guide_pages
from kiosk.flows.guides import missing_text
from kiosk.i18n import tr
from kiosk.kvload import load_kv_beside
from kiosk.screens.base import KioskScreen
from kiosk.widgets import KioskButton, PrimaryButton


class GuideText(Label):
    """A paragraph of the guide, wrapped to the page's width."""


class MaterialToggle(ToggleButton):
    """One material: tapped once when the person has it with them."""

    code = StringProperty("")
    # The check box's side, which grows with the text in elder mode.
    box = NumericProperty(0.0)


class GuideScreen(KioskScreen):
    voice_key = "voice.guide"
    matter_code = StringProperty("")
    page_index = NumericProperty(0)
    page_count = NumericProperty(1)
    ticked = ListProperty([])
    # What happened to the last print or consult, in both languages (shown on the last page).
    notice = ListProperty(["", ""])
    reference = StringProperty("")

    # --- what the flows tell the screen (kiosk.flows.guides.GuideView) -------------------------

    def open(self, code: str) -> None:
        self.matter_code = code
        self.ticked = []
        self.notice = ["", ""]
        self.reference = ""
        self.page_index = 0
        self.refresh()

    def say(self, key: str, **values: Any) -> None:
        """Show the outcome of a print or consult on the last page."""
        self.notice = [tr(key, lang).format(**values) for lang in ("zh", "en")]
        self.refresh()

    def show_reference(self, reference: str) -> None:
        """The consult went through: its reference number stays on the last page."""
        self.reference = reference
        self.notice = ["", ""]
        self.refresh()

    # --- the pages ------------------------------------------------------------------------------

    @property
    def matter(self) -> Matter | None:
        return self.flows.browse.matter(self.matter_code) if self.matter_code else None

    def pages(self) -> list[GuidePage]:
        matter = self.matter
        return guide_pages(matter, bool(self.shell.elder_mode)) if matter else []

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
        return missing_text(self.matter, set(self.ticked), "en" if language == "en" else "zh")

    def title_text(self, language: str) -> str:
        matter = self.matter
        return matter.name[language] if matter else ""

    def heading_text(self, language: str) -> str:
        page = self.current()
        if page is None or page.kind == PageKind.NEXT:
            return ""  # the last page's buttons say what they do; the room goes to them
        heading = tr(f"guide.{page.kind.value}", language)
        if page.parts > 1:
            heading += tr("guide.part", language).format(part=page.part, parts=page.parts)
        return heading

    def refresh(self, *_args: object) -> None:
        language = self.language()
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
            self._materials(matter, page, language)
        elif page.kind == PageKind.PLACE:
            for field in page.entries:
                value = getattr(matter, field)[language]
                line = tr(f"guide.field.{field}", language).format(value=value)
                content.add_widget(GuideText(text=line))
        else:
            self._next_steps(matter, language)

    def _materials(self, matter: Matter, page: GuidePage, language: str) -> None:
        by_code = {m.code: m for m in matter.materials}
        for code in page.entries:
            material = by_code[code]
            text = material.question[language]
            if not material.required:
                text += tr("guide.optional", language)
            toggle = MaterialToggle(code=code, text=text, box=self.shell.font_body * 1.1)
            toggle.state = "down" if code in self.ticked else "normal"
            toggle.bind(on_release=self._toggled)
            self.ids.content.add_widget(toggle)

    def _toggled(self, toggle: MaterialToggle) -> None:
        self.shell.prompts.speak_action(toggle.text)
        self.tick(toggle.code, toggle.state == "down")

    def _next_steps(self, matter: Matter, language: str) -> None:
        content = self.ids.content
        if self.reference:
            sent = tr("consult.sent", language).format(reference=self.reference)
            content.add_widget(GuideText(text=sent))
        if self.notice[0]:
            content.add_widget(GuideText(text=self.notice[1 if language == "en" else 0]))
        elif matter.materials and not self.reference:
            content.add_widget(GuideText(text=self.missing_text(language)))
        size = {"size_hint_y": None, "height": self.shell.button_height}
        flows, code = self.flows, matter.code
        print_button = PrimaryButton(text=tr("guide.print", language), **size)
        print_button.bind(on_release=lambda _b: flows.browse.print_guide(code, set(self.ticked)))
        content.add_widget(print_button)
        if self.reference:
            again = KioskButton(text=tr("consult.print", language), **size)
            again.bind(on_release=lambda _b: flows.consult.print_reference(self.reference))
            content.add_widget(again)
        else:
            key = "guide.consult.precheck" if matter.materials else "guide.consult"
            consult = KioskButton(text=tr(key, language), **size)
            consult.bind(on_release=lambda _b: flows.consult.send(code, set(self.ticked)))
            content.add_widget(consult)

    def wipe(self) -> None:
        self.matter_code = ""
        self.ticked = []
        self.notice = ["", ""]
        self.reference = ""
        self.page_index = 0
        self.ids.content.clear_widgets()


load_kv_beside(__file__)
