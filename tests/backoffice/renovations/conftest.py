"""The renovation tests look through the patrol's shipped detector, as the vision tests do."""

from tests.backoffice.vision.conftest import detector

__all__ = ["detector"]
