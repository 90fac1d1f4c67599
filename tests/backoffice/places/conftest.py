"""Fixtures for the case tests: the reference data seeded from assets."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from backoffice.cases.seed import seed_reference_data


@pytest.fixture
def seeded(db: Session) -> Session:
    """The session with units, places, taxonomy and rules loaded from assets/."""
    seed_reference_data(db)
    return db
