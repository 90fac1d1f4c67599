"""Kiosk screens: each is ``<name>.py`` plus ``<name>.kv`` with the same base name."""
