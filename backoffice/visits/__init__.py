"""Kiosk visits: what happened at a terminal, with an id made on the kiosk and nothing personal."""
