"""The fleet agent: enrolls the terminal with the back office and sends heartbeats from a thread."""

from __future__ import annotations

import json
import logging
import os
import queue
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

import requests

import kiosk
from kiosk.config import KioskConfig, Language
from kiosk.devices import DeviceHealth, DeviceState
from kiosk.outbox import DeliveryReport, Outbox

logger = logging.getLogger(__name__)

HTTP_TIMEOUT_S = 5.0
# A refused enrollment code will not become valid by itself; ask again only this often.
REJECTED_RETRY_S = 60.0
DEVICE_NAMES = ("printer", "card_reader", "id_card_reader", "qr_camera")
# Outbox problems (refused items, a corrupt file) reported per heartbeat; the rest next time.
MAX_REPORTED_PROBLEMS = 20


class AgentState(StrEnum):
    NOT_ENROLLED = "not_enrolled"
    ENROLLING = "enrolling"
    ONLINE = "online"
    OFFLINE = "offline"
    REJECTED = "rejected"


class AgentView(Protocol):
    """What the UI reads from the fleet agent (FleetAgent, or a stand-in in screen tests)."""

    state: AgentState
    terminal_code: str | None
    commands: queue.Queue[dict[str, Any]]


@dataclass(frozen=True)
class KioskStatus:
    """What the UI reports in each heartbeat; supplied by a callable, never read from widgets."""

    screen: str
    language: Language
    elder_mode: bool
    devices: dict[str, DeviceHealth] = field(
        default_factory=lambda: {
            name: DeviceHealth(DeviceState.ABSENT, "not configured") for name in DEVICE_NAMES
        }
    )


@dataclass(frozen=True)
class FleetToken:
    terminal_code: str
    token: str
    server_url: str


class FleetAgent:
    """Client of the back office's fleet API; state and last_error are read by the UI thread."""

    def __init__(
        self,
        config: KioskConfig,
        status_provider: Callable[[], KioskStatus],
        session: requests.Session | None = None,
        outbox: Outbox | None = None,
    ) -> None:
        self.config = config
        # Delivered after each heartbeat the back office answers, on this agent's thread.
        self.outbox = outbox
        self.last_delivery: DeliveryReport | None = None
        self.status_provider = status_provider
        self.commands: queue.Queue[dict[str, Any]] = queue.Queue()
        self.state = AgentState.NOT_ENROLLED
        self.last_error: str | None = None
        self.heartbeat_interval_s = config.heartbeat_interval_s
        self.terminal_code: str | None = None
        self._token: FleetToken | None = None
        self._session = session or requests.Session()
        # The back office refused our token (heartbeat or outbox answered 401/403/404): the
        # enrollment code in the config, if any, is tried again before the next heartbeat.
        self.auth_lost = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._load_token()

    # --- thread -----------------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="fleet-agent", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = HTTP_TIMEOUT_S + 1) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            self._stop.wait(self.step())

    def step(self) -> float:
        """One turn of the agent's loop: enroll, or re-enroll after the token was refused (with
        the config's code, e.g. a new one from the terminal manager), heartbeat, then deliver
        the outbox. Returns the seconds to wait before the next turn."""
        if self._token is None:
            self.enroll_once()
            if self._token is not None:
                return 0.0  # heartbeat straight away so the back office sees us online
        else:
            if self.auth_lost and self.config.enrollment_code:
                self.enroll_once()
            if self.heartbeat_once():
                self.deliver_outbox()
        if self.state == AgentState.REJECTED:
            return REJECTED_RETRY_S
        return float(self.heartbeat_interval_s)

    # --- one step each, for the thread and for tests -------------------------------------------

    def enroll_once(self) -> bool:
        """Exchange the enrollment code for a token; True when the terminal is now enrolled."""
        code = self.config.enrollment_code
        if code is None:
            self.state = AgentState.NOT_ENROLLED
            self.last_error = "no enrollment_code in the config and no token file"
            return False
        self.state = AgentState.ENROLLING
        url = f"{self.config.server_url}/api/v1/fleet/enroll"
        try:
            response = self._session.post(
                url, json={"code": code, "app_version": kiosk.__version__}, timeout=HTTP_TIMEOUT_S
            )
        except requests.RequestException as exc:
            self._go_offline(exc)
            return False
        if response.status_code != 201:
            self._refused(response, "enrollment")
            return False
        try:
            body = response.json()
            token = FleetToken(
                terminal_code=str(body["terminal_code"]),
                token=str(body["token"]),
                server_url=self.config.server_url,
            )
            interval = int(body.get("heartbeat_interval_s", self.heartbeat_interval_s))
        except (ValueError, KeyError, TypeError) as exc:
            self.state = AgentState.OFFLINE
            self.last_error = f"unexpected enrollment answer: {type(exc).__name__}"
            logger.warning("fleet: %s", self.last_error)
            return False
        self._save_token(token)
        self._token = token
        self.auth_lost = False
        self.terminal_code = token.terminal_code
        self._set_interval(interval)
        self.state = AgentState.OFFLINE  # enrolled, not yet heard back on a heartbeat
        self.last_error = None
        logger.info("fleet: enrolled as terminal %s", token.terminal_code)
        return True

    def heartbeat_once(self) -> bool:
        """Send one heartbeat and queue the commands it brings back; True on HTTP 200."""
        if self._token is None:
            self.state = AgentState.NOT_ENROLLED
            return False
        url = f"{self.config.server_url}/api/v1/fleet/heartbeat"
        problems = self.outbox.problems() if self.outbox is not None else []
        try:
            payload = self._heartbeat_payload()
            if self.outbox is not None:
                payload["outbox"] = {
                    "pending": self.outbox.pending_count(),
                    "problems": [p.as_json() for p in problems[:MAX_REPORTED_PROBLEMS]],
                }
            response = self._session.post(
                url,
                json=payload,
                headers={"Authorization": f"Bearer {self._token.token}"},
                timeout=HTTP_TIMEOUT_S,
            )
        except requests.RequestException as exc:
            self._go_offline(exc)
            return False
        if response.status_code == 401:
            self.auth_lost = True
            self._refused(response, "heartbeat (token revoked)")
            return False
        if response.status_code != 200:
            self.state = AgentState.OFFLINE
            self.last_error = f"heartbeat answered HTTP {response.status_code}"
            logger.warning("fleet: %s", self.last_error)
            return False
        try:
            body = response.json()
            commands = body.get("commands", [])
            interval = int(body.get("heartbeat_interval_s", self.heartbeat_interval_s))
        except (ValueError, TypeError, AttributeError) as exc:
            self.state = AgentState.OFFLINE
            self.last_error = f"unexpected heartbeat answer: {type(exc).__name__}"
            logger.warning("fleet: %s", self.last_error)
            return False
        for command in commands if isinstance(commands, list) else []:
            if isinstance(command, dict):
                self.commands.put(command)
        self._set_interval(interval)
        if self.outbox is not None:
            self.outbox.mark_reported(problems[:MAX_REPORTED_PROBLEMS])
        self.auth_lost = False
        self.state = AgentState.ONLINE
        self.last_error = None
        return True

    def send(
        self, method: str, path: str, data: bytes, headers: dict[str, str]
    ) -> requests.Response:
        """One request to the back office as this terminal; raises RequestException when it is
        unreachable or the terminal is not enrolled yet."""
        if self._token is None:
            raise requests.ConnectionError("the terminal is not enrolled yet")
        return self._session.request(
            method,
            f"{self.config.server_url}{path}",
            data=data,
            headers={"Authorization": f"Bearer {self._token.token}", **headers},
            timeout=HTTP_TIMEOUT_S,
        )

    def deliver_outbox(self) -> DeliveryReport | None:
        if self.outbox is None or self._token is None:
            return None
        report = self.outbox.deliver(self.send)
        self.last_delivery = report
        if report.auth_refused is not None:
            # The items wait; the loop re-enrolls (if it has a code) and tries again.
            self.auth_lost = True
            self.state = AgentState.REJECTED
            self.last_error = f"the back office answered HTTP {report.auth_refused} to the outbox"
        return report

    # --- helpers --------------------------------------------------------------------------------

    def _heartbeat_payload(self) -> dict[str, Any]:
        status = self.status_provider()
        devices = {
            name: status.devices.get(name, DeviceHealth(DeviceState.ABSENT, "not reported"))
            for name in DEVICE_NAMES
        }
        return {
            "app_version": kiosk.__version__,
            "screen": status.screen,
            "language": status.language,
            "elder_mode": status.elder_mode,
            "devices": {name: health.as_json() for name, health in devices.items()},
            "disk_free_mb": self._disk_free_mb(),
        }

    def _disk_free_mb(self) -> int:
        folder = self.config.token_path.parent
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent
        return shutil.disk_usage(folder).free // (1024 * 1024)

    def _set_interval(self, interval: int) -> None:
        if 5 <= interval <= 3600:
            self.heartbeat_interval_s = interval

    def _go_offline(self, exc: requests.RequestException) -> None:
        self.state = AgentState.OFFLINE
        # The exception text names only the URL, never the token (it travels in a header).
        self.last_error = f"back office unreachable: {type(exc).__name__}"
        logger.warning("fleet: %s", self.last_error)

    def _refused(self, response: requests.Response, what: str) -> None:
        detail: str | None = None
        try:
            body = response.json()
            if isinstance(body, dict) and isinstance(body.get("detail"), str):
                detail = body["detail"]
        except ValueError:
            pass
        if 400 <= response.status_code < 500:
            self.state = AgentState.REJECTED
        else:
            self.state = AgentState.OFFLINE
        self.last_error = detail or f"{what} answered HTTP {response.status_code}"
        logger.warning(
            "fleet: %s refused (HTTP %s): %s", what, response.status_code, self.last_error
        )

    def _load_token(self) -> None:
        path = self.config.token_path
        if not path.exists():
            return
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            self._token = FleetToken(
                terminal_code=str(data["terminal_code"]),
                token=str(data["token"]),
                server_url=str(data["server_url"]),
            )
        except (OSError, ValueError, KeyError, TypeError) as exc:
            self.last_error = f"token file {path} is unreadable: {type(exc).__name__}"
            logger.error("fleet: %s", self.last_error)
            return
        self.terminal_code = self._token.terminal_code
        self.state = AgentState.OFFLINE

    def _save_token(self, token: FleetToken) -> None:
        path = self.config.token_path
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        # O_CREAT's mode only applies to a new file; an old file keeps its mode unless we set it.
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(
                {
                    "terminal_code": token.terminal_code,
                    "token": token.token,
                    "server_url": token.server_url,
                },
                fh,
            )
