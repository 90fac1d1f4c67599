"""Remote commands from the heartbeat answer (``{"id", "kind", "payload"}``), run on the UI
thread; each acknowledgement (and a screenshot's PNG) goes back through the outbox, keyed by the
command id so a resend is counted once."""

from __future__ import annotations

import dataclasses
import io
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from kiosk import api
from kiosk.config import ConfigError, KioskConfig
from kiosk.devices.base import LineStyle, PrinterError, PrintJob, PrintLine, PrintPage
from kiosk.flows.ports import KioskDevices
from kiosk.outbox import Kind, Outbox
from kiosk.visit import EndReason, Visits

logger = logging.getLogger(__name__)

MAX_LOCK_MESSAGE = 200
MAX_RESULT = 500  # the back office keeps at most this many characters of a result
# Config keys a command may change while the kiosk runs; the rest need a restart by an operator.
LIVE_CONFIG_KEYS = ("language", "elder_mode", "heartbeat_interval_s")


@dataclass(frozen=True)
class CommandResult:
    ok: bool
    detail: str
    png: bytes | None = field(default=None, repr=False)

    def acknowledgement(self) -> dict[str, Any]:
        return {"ok": self.ok, "result": self.detail[:MAX_RESULT]}


class Kiosk(Protocol):
    """What the commands act on (KioskApp)."""

    kiosk_config: KioskConfig
    config_path: Path | None
    data_dir: Path
    agent: Any
    outbox: Outbox
    visits: Visits
    devices: KioskDevices
    locked: bool
    terminal_code: str
    language: str
    elder_mode: bool

    def lock(self, message: str) -> None: ...

    def unlock(self) -> None: ...

    def showing(self) -> str: ...

    def personal_data_shown(self) -> str: ...

    def public_top_px(self) -> int: ...


class CommandRunner:
    def __init__(self, app: Kiosk, restart: Callable[[], None]) -> None:
        self.app = app
        self.restart = restart
        self.results: list[tuple[str, CommandResult]] = []
        self._handlers: dict[str, Callable[[dict[str, Any]], CommandResult]] = {
            "lock": self._lock,
            "unlock": self._unlock,
            "reload_content": self._reload,
            "restart_app": self._restart,
            "screenshot": self._screenshot,
            "print_test_page": self._test_print,
            "push_config": self._config,
        }
        self._done: set[Any] = set()

    def run(self, command: dict[str, Any]) -> CommandResult:
        command_id = command.get("id")
        command_type = str(command.get("kind", ""))
        params = command.get("payload")
        if not isinstance(params, dict):
            params = {}
        if command_id is not None:
            again = self._again(command_id)
            if again is not None:
                return again
            # Written (synchronous=FULL) before it runs: after a restart, a redelivery of this
            # command is acknowledged, never run a second time.
            self.app.outbox.command_started(str(command_id), command_type)
        handler = self._handlers.get(command_type)
        if handler is None:
            known = ", ".join(sorted(self._handlers))
            result = CommandResult(False, f"unknown command {command_type!r}; known: {known}")
        else:
            try:
                result = handler(params)
            except (OSError, ValueError) as exc:
                result = CommandResult(False, f"{type(exc).__name__}: {exc}")
        logger.info(
            "fleet command %s %s: ok=%s %s", command_id, command_type, result.ok, result.detail
        )
        self.results.append((command_type, result))
        if command_id is not None:
            self._done.add(command_id)
            if result.png is not None:
                # The back office takes the picture first, then the acknowledgement.
                self.app.outbox.add_raw(
                    Kind.SCREENSHOT,
                    "PUT",
                    api.command_screenshot(command_id),
                    "image/png",
                    result.png,
                    idempotency_key=f"screenshot-{command_id}",
                )
            self._acknowledge(command_id, result.acknowledgement())
            self.app.outbox.command_finished(str(command_id), result.acknowledgement())
        if command_type == "restart_app" and result.ok:
            self.restart()
        return result

    def _again(self, command_id: Any) -> CommandResult | None:
        """A command delivered again (our acknowledgement was lost, maybe across a restart):
        acknowledged once more, not run; None if it never started here."""
        if command_id in self._done:
            return CommandResult(True, "already done")
        record = self.app.outbox.command_record(str(command_id))
        if record is None:
            return None
        finished, ack = record
        self._done.add(command_id)
        if not finished or ack is None:
            # It started and the kiosk stopped before it finished: it is not run a second time.
            ack = {"ok": False, "result": "interrupted by a restart of the kiosk; not run again"}
        self._acknowledge(command_id, ack)  # the same key: a no-op if the first one is queued
        logger.info("fleet command %s delivered again: acknowledged, not run", command_id)
        return CommandResult(True, "already done")

    def _acknowledge(self, command_id: Any, ack: dict[str, Any]) -> None:
        self.app.outbox.add(
            Kind.COMMAND_RESULT,
            api.command_ack(command_id),
            ack,
            idempotency_key=f"command-{command_id}",
        )

    # --- one handler per command ---------------------------------------------------------------

    def _lock(self, params: dict[str, Any]) -> CommandResult:
        message = str(params.get("message", "")).strip()[:MAX_LOCK_MESSAGE]
        self.app.lock(message)
        return CommandResult(True, "locked" + (f" with message: {message}" if message else ""))

    def _unlock(self, _params: dict[str, Any]) -> CommandResult:
        was_locked = self.app.locked
        self.app.unlock()
        return CommandResult(True, "unlocked" if was_locked else "was not locked")

    def _reload(self, _params: dict[str, Any]) -> CommandResult:
        """Re-read the config file and start the next visit afresh."""
        self.app.visits.end(EndReason.CANCELLED)
        if self.app.config_path is None:
            return CommandResult(True, "visit reset; no config file to re-read")
        try:
            config = KioskConfig.load(self.app.config_path)
        except ConfigError as exc:
            return CommandResult(False, f"config not reloaded: {exc}")
        self._apply_config(config)
        return CommandResult(True, f"config re-read from {self.app.config_path.name}")

    def _restart(self, _params: dict[str, Any]) -> CommandResult:
        # The result is in the outbox before the app stops; systemd (Restart=always) starts it.
        self.app.visits.end(EndReason.CANCELLED)
        return CommandResult(True, "restarting")

    def _screenshot(self, _params: dict[str, Any]) -> CommandResult:
        from kivy.core.window import Window

        folder = self.app.data_dir / "screenshots"
        folder.mkdir(parents=True, exist_ok=True)
        saved = Window.screenshot(name=str(folder / "remote.png"))
        if not saved:
            return CommandResult(False, "the window could not be captured")
        path = Path(saved)
        data = path.read_bytes()
        path.unlink()
        detail = f"screenshot of screen {self.app.showing()}"
        reason = self.app.personal_data_shown()
        if reason:
            # Blanked here, before the picture is kept anywhere or leaves the kiosk.
            data = blank_below(data, self.app.public_top_px())
            detail += f", blanked below the title bar: {reason}"
        return CommandResult(True, f"{detail}, {len(data)} bytes", png=data)

    def _test_print(self, _params: dict[str, Any]) -> CommandResult:
        printer = self.app.devices.printer
        if printer is None:
            return CommandResult(False, "no printer is configured on this kiosk")
        stamp = datetime.now().strftime("%Y-%m-%d %H:%M:%S")
        job = PrintJob(
            kind="test_page",
            pages=(
                PrintPage(
                    lines=(
                        PrintLine("智理 打印测试 / test page", LineStyle.TITLE),
                        PrintLine(f"终端 terminal {self.app.terminal_code or '-'}"),
                        PrintLine(stamp),
                    )
                ),
            ),
        )
        try:
            result = printer.print_job(job)
        except PrinterError as exc:
            return CommandResult(False, f"{exc.reason_code}: {exc.message_en}")
        return CommandResult(True, f"test page printed; printer {result.status_after.value}")

    def _config(self, payload: dict[str, Any]) -> CommandResult:
        params = payload.get("config")
        if not isinstance(params, dict) or not params:
            return CommandResult(False, "push_config needs a non-empty config object")
        unknown = sorted(set(params) - set(LIVE_CONFIG_KEYS))
        if unknown:
            return CommandResult(
                False,
                f"cannot change {', '.join(unknown)} remotely; allowed: "
                + ", ".join(LIVE_CONFIG_KEYS),
            )
        base = self.app.kiosk_config
        try:
            checked = KioskConfig.from_mapping(params, base_dir=base.token_path.parent)
        except ConfigError as exc:
            return CommandResult(False, str(exc))
        config = dataclasses.replace(base, **{key: getattr(checked, key) for key in params})
        self._apply_config(config)
        return CommandResult(True, "applied: " + ", ".join(f"{k}={params[k]}" for k in params))

    def _apply_config(self, config: KioskConfig) -> None:
        app = self.app
        app.kiosk_config = dataclasses.replace(config, token_path=app.kiosk_config.token_path)
        agent = app.agent
        if agent is not None and hasattr(agent, "heartbeat_interval_s"):
            agent.heartbeat_interval_s = config.heartbeat_interval_s
        if app.visits.current is None:
            app.language = config.language
            app.elder_mode = config.elder_mode


BLANK = (128, 128, 128)


def blank_below(png: bytes, top_px: int) -> bytes:
    """The screenshot with everything below its first `top_px` rows painted one flat grey."""
    from PIL import Image, ImageDraw

    with Image.open(io.BytesIO(png)) as shot:
        picture = shot.convert("RGB")
    ImageDraw.Draw(picture).rectangle((0, top_px, picture.width, picture.height), fill=BLANK)
    out = io.BytesIO()
    picture.save(out, "PNG")
    return out.getvalue()
