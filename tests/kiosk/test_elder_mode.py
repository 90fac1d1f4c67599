"""Every screen in both modes and both languages: screenshots, elder-mode sizes, contrast
measured from the screenshot's pixels, and voice prompts heard through SDL's disk audio."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from kiosk.i18n import tr
from kiosk.theme import contrast_ratio
from tests.kiosk.conftest import AUDIO_CAPTURE, KioskUI

# --- how to reach each screen -----------------------------------------------------------------


def _home(ui: KioskUI) -> None:
    ui.app.flows.home.go_home()
    ui.app.visits.touch()  # someone touches the screen: a visit begins


def _matters(ui: KioskUI) -> None:
    ui.app.flows.home.open("tile.high_frequency")


def _categories(ui: KioskUI) -> None:
    ui.app.flows.home.open("tile.guides")


def _no_certificate(ui: KioskUI) -> None:
    ui.app.flows.home.open("tile.no_certificate")


def _guide_page(kind: str) -> Callable[[KioskUI], None]:
    """A guide with four materials (SI-SURVIVOR) on its first page of ``kind``."""

    def reach(ui: KioskUI) -> None:
        ui.app.flows.browse.open_matter("SI-SURVIVOR")
        guide = ui.app.screens.get_screen("guide")
        while guide.current().kind.value != kind:
            guide.turn(1)
        if kind == "materials":
            guide.tick("id_card", True)
            guide.refresh()

    return reach


def _report_types(ui: KioskUI) -> None:
    ui.app.flows.home.open("tile.report_problem")


def _report_roads(ui: KioskUI) -> None:
    _report_types(ui)
    ui.app.flows.report.choose("report_type", "E-0506")


def _report_photo(taken: bool) -> Callable[[KioskUI], None]:
    def reach(ui: KioskUI) -> None:
        from tests.kiosk.test_identify import FakeScanner
        from tests.kiosk.test_report import street_photo

        ui.app.devices.qr_scanner = FakeScanner(jpeg=street_photo())
        _report_roads(ui)
        ui.app.flows.report.choose("report_road", "JSL-R01")
        if taken:
            ui.app.flows.report.take_photo()

    return reach


def _report_done(ui: KioskUI) -> None:
    _report_roads(ui)
    ui.app.flows.report.choose("report_road", "JSL-R01")


def _answer(ui: KioskUI) -> None:
    _no_certificate(ui)
    ui.app.show("answer")
    screen = ui.app.screens.get_screen("answer")
    for key in "ABC234":
        screen.press(key)


RECEIPT = "202612010042"


def _progress_answer() -> Any:
    """The back office's answer to that receipt, as its API words the peer's rows."""
    from backoffice.catalog.queries import checked_rows, spec, worded
    from kiosk.flows.queries import QueryAnswer
    from simulators.query_peer import QueryAnswers

    query = spec("Q-PROGRESS")
    assert query is not None
    raw = QueryAnswers(lambda: dt.date(2026, 12, 6)).answer("Q-PROGRESS", RECEIPT, None)
    rows = checked_rows("Q-PROGRESS", query, {"code": "Q-PROGRESS", "rows": raw})
    fields = {f.name: f for f in query.fields}
    return QueryAnswer.from_json(
        {
            "code": "Q-PROGRESS",
            "name": {"zh": "办件进度查询（凭受理回执号）", "en": "Progress of an application"},
            "reference": RECEIPT,
            "as_of": "2026-12-06T09:30:00+08:00",
            "rows": [
                [
                    {
                        "name": name,
                        "label": fields[name].label.model_dump(),
                        "text": worded(fields[name], value).model_dump(),
                    }
                    for name, value in row.items()
                ]
                for row in rows
            ],
        }
    )


def _query_answer(ui: KioskUI) -> None:
    """The answer shown (as the flow shows the back office's), and read aloud."""
    ui.app.flows.browse.open_matter("Q-PROGRESS")
    answer = _progress_answer()
    flow = ui.app.flows.queries
    flow.answer = answer
    ui.app.screens.get_screen("query").show_answer(answer)
    ui.app.prompts.speak(answer.spoken("en" if ui.app.language == "en" else "zh"))


def _rating(ui: KioskUI) -> None:
    ui.app.visits.touch()
    ui.app.flows.rating.ask()


def _rating_reasons(ui: KioskUI) -> None:
    _rating(ui)
    ui.app.screens.get_screen("rating").choose(2)


def _rating_thanks(ui: KioskUI) -> None:
    _rating(ui)
    ui.app.screens.get_screen("rating").choose(5)


def _out_of_service(ui: KioskUI) -> None:
    ui.app.lock(tr("out_of_service.detail", ui.app.language))


def _service_out(ui: KioskUI) -> None:
    ui.app.visits.touch()
    ui.app.flows.home.open("tile.medical_booklet")  # no card reader, no camera


def _identify(ui: KioskUI) -> None:
    ui.app.flows.identify.ask("tile.medical_booklet")


def _keypad(ui: KioskUI) -> None:
    ui.app.flows.identify.ask("tile.medical_booklet")
    ui.app.show("keypad")
    keypad = ui.app.screens.get_screen("keypad")
    for key in "11010519491232":
        keypad.press(key)


def _greeting(ui: KioskUI) -> None:
    from kiosk.devices.base import CardInserted
    from tests.kiosk.test_identify import CARD, FakeReader

    reader = FakeReader()
    ui.app.devices.card_readers = [reader]
    reader.events.put(CardInserted(CARD))
    ui.app.flows.identify.drain()


def _idle(ui: KioskUI) -> None:
    ui.app.flows.home.open("tile.report_problem")
    ui.app.visits.touch()
    ui.tick(60 * (2 if ui.app.elder_mode else 1))


def _booklet_preview(ui: KioskUI) -> None:
    from kiosk.backoffice_client import Answer
    from tests.kiosk.test_booklet import _answer

    ui.app.visits.touch()
    ui.app.show("booklet")
    ui.app.flows.booklet._answered(ui.app.visit, Answer(200, _answer(20)))


def _booklet_stopped(ui: KioskUI) -> None:
    from kiosk.devices.base import PaperOut

    _booklet_preview(ui)
    booklet = ui.app.screens.get_screen("booklet").booklet
    ui.app.flows.booklet._stopped(ui.app.visit, booklet, PaperOut())


def _booklet_done(ui: KioskUI) -> None:
    from kiosk.devices.base import PrintProgress

    _booklet_preview(ui)
    booklet = ui.app.screens.get_screen("booklet").booklet
    printed = PrintProgress(tuple(x.position for x in booklet.lines), 2)
    ui.app.flows.booklet._printed(ui.app.visit, booklet, printed, 1, 1)


def _booklet_nothing(ui: KioskUI) -> None:
    ui.app.visits.touch()
    ui.app.show("booklet")
    ui.app.flows.booklet._ended("booklet.nothing")


def _paper_out_words(language: str) -> str:
    from kiosk.devices.base import PaperOut

    return PaperOut.message_en if language == "en" else PaperOut.message_zh


RENOVATION_CHOICES = {
    "compounds": [
        {"code": "JSL-P01", "name_zh": "岐山村", "name_en": "Qishan Village"},
        {"code": "JSL-P08", "name_zh": "宣化小区", "name_en": "Xuanhua Estate"},
    ],
    "volumes": [
        {"volume_m3": 1, "fee_cents": 20000},
        {"volume_m3": 2, "fee_cents": 20000},
        {"volume_m3": 5, "fee_cents": 45000},
        {"volume_m3": 10, "fee_cents": 80000},
    ],
    "waste_kinds": ["rubble", "mixed", "timber", "fixtures"],
}


def _renovation_compounds(ui: KioskUI) -> None:
    from kiosk.backoffice_client import Answer
    from kiosk.flows.renovation import RenovationDraft

    flow = ui.app.flows.renovation
    visit = ui.app.visits.ensure()
    flow._draft = RenovationDraft()  # as open() starts it, with the back office's choices
    flow._choices_came(visit, Answer(200, RENOVATION_CHOICES))


def _renovation_volumes(ui: KioskUI) -> None:
    _renovation_compounds(ui)
    ui.app.flows.renovation.choose("renovation_compound", "JSL-P08")
    ui.app.flows.renovation.choose("renovation_months", "2")


def _renovation_form(ui: KioskUI) -> None:
    _renovation_volumes(ui)
    ui.app.flows.renovation.choose("renovation_volume", "5")
    ui.app.flows.renovation.choose("renovation_kind", "rubble")
    form = ui.app.screens.get_screen("renovation")
    for key in "12":
        form.press(key)
    form.select("room")
    for key in "1201":
        form.press(key)
    form.select("phone")
    for key in "1391234":
        form.press(key)


def _renovation_sign(ui: KioskUI) -> None:
    _renovation_form(ui)
    form = ui.app.screens.get_screen("renovation")
    for key in "5678":
        form.press(key)
    form.next()
    ui.pump()
    from tests.kiosk.test_renovation import sign_on

    sign_on(ui, ui.app.screens.get_screen("renovation_sign").ids.pad)


def _renovation_done(ui: KioskUI) -> None:
    from kiosk.backoffice_client import Answer

    _renovation_sign(ui)
    body = {"reference": "ZRABCD2345", "status": "pending", "fee_cents": 45000}
    ui.app.flows.renovation._registered(ui.app.visit, Answer(201, body))


def _prompt(key: str) -> Callable[[str], str]:
    return lambda language: tr(key, language)


SCREENS: dict[str, tuple[Callable[[KioskUI], None], Callable[[str], str]]] = {
    "home": (_home, _prompt("voice.home")),
    "matters": (_matters, _prompt("voice.matters")),
    "categories": (_categories, _prompt("voice.categories")),
    "no-certificate": (_no_certificate, _prompt("voice.matters")),
    "guide-steps": (_guide_page("steps"), _prompt("voice.guide")),
    "guide-materials": (_guide_page("materials"), _prompt("voice.guide")),
    "guide-place": (_guide_page("place"), _prompt("voice.guide")),
    "guide-next": (_guide_page("next"), _prompt("voice.guide")),
    "answer": (_answer, _prompt("voice.answer")),
    "query-answer": (_query_answer, lambda lang: _progress_answer().spoken(lang)),
    "report-types": (_report_types, _prompt("voice.report")),
    "report-roads": (_report_roads, _prompt("voice.report.road")),
    "report-photo": (_report_photo(False), _prompt("voice.report.photo")),
    "report-photo-taken": (_report_photo(True), _prompt("voice.report.photo")),
    "report-done": (_report_done, _prompt("report.queued")),
    "identify": (_identify, _prompt("voice.identify")),
    "keypad": (_keypad, _prompt("voice.keypad")),
    "greeting": (_greeting, lambda lang: tr("greeting.voice", lang).format(name="张*明")),
    "rating": (_rating, _prompt("voice.rating")),
    "rating-reasons": (_rating_reasons, _prompt("voice.rating.reasons")),
    "rating-thanks": (_rating_thanks, _prompt("voice.rating.thanks")),
    "out-of-service": (_out_of_service, _prompt("voice.out_of_service")),
    "service-out": (_service_out, _prompt("service_out.no_identification")),
    "idle": (_idle, _prompt("idle.voice")),
    "booklet-preview": (_booklet_preview, _prompt("voice.booklet")),
    "booklet-stopped": (
        _booklet_stopped,
        lambda lang: tr("booklet.stopped", lang).format(
            printed=0, left=20, reason=_paper_out_words(lang)
        ),
    ),
    "booklet-done": (
        _booklet_done,
        lambda lang: tr("booklet.done", lang).format(count=20, page=1),
    ),
    "booklet-nothing": (_booklet_nothing, _prompt("booklet.nothing")),
    "renovation-volumes": (_renovation_volumes, _prompt("voice.renovation")),
    "renovation-form": (_renovation_form, _prompt("voice.renovation.form")),
    "renovation-sign": (_renovation_sign, _prompt("voice.renovation.sign")),
    "renovation-done": (
        _renovation_done,
        lambda lang: tr("renovation.done_pending", lang).format(reference="ZRABCD2345", fee="450"),
    ),
}


def _open(make_kiosk_ui: Callable[..., KioskUI], screen: str, language: str, elder: bool) -> Any:
    ui = make_kiosk_ui(language=language, elder_mode=elder)
    SCREENS[screen][0](ui)
    ui.pump()
    return ui


def _assert_on_screen(ui: KioskUI, labels: list[Any]) -> None:
    """Each text lies wholly inside the window, and a screen's texts inside the screen area
    (not pushed under the title bar or off the top)."""
    manager = ui.app.screens
    inside_manager = {id(w) for w in manager.walk(restrict=True)}
    for label in labels:
        x, y = label.to_window(label.x, label.y)
        assert x >= -1 and y >= -1, (label.text, x, y)
        assert x + label.width <= ui.window.width + 1, (label.text, x, label.width)
        assert y + label.height <= ui.window.height + 1, (label.text, y, label.height)
        if id(label) in inside_manager and not ui.overlays():
            assert y >= manager.y - 1, (label.text, y)
            assert y + label.height <= manager.top + 1, (label.text, y, manager.top)


def _top_layer(ui: KioskUI) -> list[Any]:
    """What the person can act on: the overlay when one is open, else the screen and bars."""
    widgets = ui.visible_widgets()
    overlays = ui.overlays()
    if overlays:
        inside = {id(w) for w in overlays[0].walk()}
        widgets = [w for w in widgets if id(w) in inside]
    return widgets


# --- sizes --------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize("screen", sorted(SCREENS))
def test_elder_mode_sizes_on_every_screen(
    make_kiosk_ui: Callable[..., KioskUI], screen: str, language: str
) -> None:
    """MIIT: text >= 18 dp, the largest >= 30 dp, main controls >= 60x60 dp. The kiosk's
    smallest elder text is 30 sp and its smallest control 96 dp high. The screen speaks its
    prompt in the person's language, heard on the audio device."""
    from kivy.metrics import dp
    from kivy.uix.behaviors import ButtonBehavior
    from kivy.uix.label import Label

    ui = make_kiosk_ui(language=language, elder_mode=True)
    spoken, offset = ui.app.voice.spoken, _capture_size()
    SCREENS[screen][0](ui)
    ui.pump()
    shot = ui.screenshot(f"{screen}-elder-{language}")
    widgets = _top_layer(ui)
    controls = [w for w in widgets if isinstance(w, ButtonBehavior) and not w.disabled]
    labels = [w for w in widgets if isinstance(w, Label) and w.text]
    assert labels
    for control in controls:
        assert control.width >= dp(60) and control.height >= dp(60), (
            getattr(control, "text", type(control).__name__),
            control.size,
        )
    for label in labels:
        assert label.font_size >= dp(30), (label.text, label.font_size)
        # Nothing cut off: the rendered text fits inside its widget.
        assert label.texture_size[0] <= label.width + 1, (label.text, label.texture_size)
        assert label.texture_size[1] <= label.height + 1, (label.text, label.texture_size)
    assert max(label.font_size for label in labels) >= dp(44)
    _assert_on_screen(ui, labels)
    _assert_contrast(shot, labels)
    _assert_spoken(ui, SCREENS[screen][1](language), spoken, offset)


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize("screen", sorted(SCREENS))
def test_standard_mode_screenshots_and_nothing_cut_off(
    make_kiosk_ui: Callable[..., KioskUI], screen: str, language: str
) -> None:
    from kivy.metrics import dp
    from kivy.uix.behaviors import ButtonBehavior
    from kivy.uix.label import Label

    ui = _open(make_kiosk_ui, screen, language, elder=False)
    shot = ui.screenshot(f"{screen}-{language}")
    widgets = _top_layer(ui)
    for control in [w for w in widgets if isinstance(w, ButtonBehavior) and not w.disabled]:
        assert control.width >= dp(44) and control.height >= dp(44)
    labels = [w for w in widgets if isinstance(w, Label) and w.text]
    for label in labels:
        assert label.font_size >= dp(18), (label.text, label.font_size)
        assert label.texture_size[0] <= label.width + 1, (label.text, label.texture_size)
        assert label.texture_size[1] <= label.height + 1, (label.text, label.texture_size)
    _assert_on_screen(ui, labels)
    _assert_contrast(shot, labels)


# --- contrast from pixels -----------------------------------------------------------------------


def _measured_contrast(image: np.ndarray, label: Any, window_height: int) -> float:
    """Contrast between the label's background (its most common colour) and its ink (the
    pixel that differs most from it), read from the screenshot."""
    x, y = label.to_window(label.x, label.y)
    tw, th = label.texture_size
    # The text's own box inside the widget (centred vertically; horizontally by halign).
    left = x + {"left": 0.0, "right": label.width - tw}.get(label.halign, (label.width - tw) / 2)
    if label.text_size[0] is not None and label.halign in ("left", "right"):
        left = x + (0 if label.halign == "left" else label.width - tw)
    bottom = y + (label.height - th) / 2
    top_px = int(window_height - (bottom + th))
    crop = image[max(0, top_px) : int(window_height - bottom), max(0, int(left)) : int(left + tw)]
    pixels = crop.reshape(-1, 3).astype(np.uint32)
    # One number per colour: np.unique on a flat array is many times faster than by rows.
    packed, counts = np.unique(
        (pixels[:, 0] << 16) | (pixels[:, 1] << 8) | pixels[:, 2], return_counts=True
    )
    colours = np.stack([(packed >> 16) & 255, (packed >> 8) & 255, packed & 255], axis=1)
    background = colours[counts.argmax()] / 255

    def rgba(c: np.ndarray) -> tuple[float, float, float, float]:
        return (float(c[0]), float(c[1]), float(c[2]), 1.0)

    best = 1.0
    for colour in colours[counts >= 3]:  # ignore single anti-aliasing pixels
        best = max(best, contrast_ratio(rgba(colour / 255), rgba(background)))
    return best


def _assert_contrast(shot: Path, labels: list[Any]) -> None:
    """WCAG AAA (7:1) between each text and its background, measured on the screenshot's
    pixels, not taken from the theme's colours."""
    image = np.asarray(Image.open(shot).convert("RGB"))
    for label in [w for w in labels if w.text.strip()]:
        ratio = _measured_contrast(image, label, image.shape[0])
        assert ratio >= 7.0, (label.text, round(ratio, 2))


# --- voice prompts ------------------------------------------------------------------------------


def _capture_size() -> int:
    return AUDIO_CAPTURE.stat().st_size if AUDIO_CAPTURE.exists() else 0


def _heard_after(offset: int, timeout_s: float = 8.0) -> int:
    """Peak sample (16-bit) written to the disk audio file after ``offset``; waits for the
    audio thread, which writes in real time, until something louder than silence arrives."""
    deadline = time.monotonic() + timeout_s
    peak = 0
    while time.monotonic() < deadline:
        data = Path(AUDIO_CAPTURE).read_bytes()[offset:]
        samples = np.frombuffer(data[: len(data) // 2 * 2], dtype="<i2")
        peak = int(np.abs(samples.astype(np.int32)).max()) if samples.size else 0
        if peak > 1000:
            return peak
        time.sleep(0.1)
    return peak


def _assert_spoken(ui: KioskUI, prompt: str, spoken: int, offset: int) -> None:
    """`prompt` was the last thing spoken since `spoken`, and sound reached the audio device
    after `offset`."""
    voice = ui.app.voice
    assert voice.wait_rendered()
    for _ in range(50):
        ui.pump(1)
        if voice.spoken > spoken:
            break
    assert voice.last_text == prompt
    assert _heard_after(offset) > 1000


def test_standard_mode_stays_silent(make_kiosk_ui: Callable[..., KioskUI]) -> None:
    ui = make_kiosk_ui(language="zh", elder_mode=False)
    ui.app.flows.home.open("tile.guides")
    ui.pump()
    assert ui.app.voice.requested == 0


def test_a_tapped_button_is_read_aloud_in_elder_mode(make_kiosk_ui: Callable[..., KioskUI]) -> None:
    ui = make_kiosk_ui(language="en", elder_mode=True)
    ui.app.flows.home.open("tile.guides")
    ui.pump()
    ui.app.voice.wait_rendered()
    ui.pump()
    before = ui.app.voice.requested
    # Standard mode is a toggle that keeps the screen: its words are spoken.
    rating = ui.app.screens.get_screen("rating")
    ui.app.flows.rating.ask()
    ui.pump()
    ui.tap(ui.find(tr("rating.level.2", "en")).parent)
    ui.pump()
    reason = ui.find(tr("rating.reason.hard_to_use", "en"))
    ui.tap(reason)
    ui.pump(3)
    assert rating.chosen == ["hard_to_use"]
    assert ui.app.voice.requested > before
    assert ui.app.voice.wait_rendered()
    for _ in range(20):
        ui.pump(1)
    assert ui.app.voice.last_text == tr("rating.reason.hard_to_use", "en")


def test_volume_resets_for_each_visit(make_kiosk_ui: Callable[..., KioskUI]) -> None:
    ui = make_kiosk_ui(elder_mode=True)
    ui.app.visits.touch()
    ui.app.voice.set_volume(1.0)
    ui.app.visit.volume = 1.0
    ui.app.flows.rating.skip()
    ui.app.visits.touch()
    assert ui.app.voice.volume == 0.8
