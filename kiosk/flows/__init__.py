"""What a person does at the kiosk, one plain-Python class per flow, tested without a window.

A flow takes the back office (``ports.BackOffice``), the devices it needs (``ports.KioskDevices``),
the outbox, the visits (``kiosk.visit.Visits``), a background runner for slow work, and the
screens through small typed protocols: ``ports.Screens`` for what every flow may do (show a
screen, speak, put a service out of service) and one view protocol per screen it fills. Flows
import neither Kivy nor ``kiosk.app`` (an import-linter contract says so).

Adding a flow: a class here with its view protocol, its screen in ``kiosk/screens/``, a route
in ``kiosk.app.KioskApp._build_flows`` (a home tile opens it through ``home.HomeMenu``).
"""
