"""The home screen's tiles: each opens its flow; services that open personal records ask for
proof first (a card or a verified Suishen code), or say why they cannot run here."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

from kiosk.flows.identify import IdentifyFlow
from kiosk.flows.ports import KioskDevices, Screens, both

logger = logging.getLogger(__name__)


class HomeMenu:
    def __init__(
        self,
        screens: Screens,
        devices: KioskDevices,
        identify: IdentifyFlow,
        routes: Mapping[str, Callable[[], None]],
        proof_needed: frozenset[str],
    ) -> None:
        self._screens = screens
        self._devices = devices
        self._identify = identify
        # Tile key -> what opens its service.
        self._routes = dict(routes)
        self._proof_needed = proof_needed

    def open(self, key: str) -> None:
        if key in self._proof_needed and not self._identify.has_proof():
            if not self._devices.can_identify():
                self._screens.service_out(key, *both("service_out.no_identification"))
                return
            self._identify.ask(key)
            return
        route = self._routes.get(key)
        if route is None:
            logger.warning("no service behind tile %s", key)
            return
        route()

    def go_home(self) -> None:
        self._screens.show("home")
