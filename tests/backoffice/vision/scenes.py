"""The generated street the AI patrol tests look at (shared with the demo and the bench)."""

from backoffice.vision.training.street import COLLECTION_ZONE, DAY, DUSK, NO_PARKING_ZONE, Street

__all__ = ["COLLECTION_ZONE", "DAY", "DUSK", "NO_PARKING_ZONE", "Street"]
