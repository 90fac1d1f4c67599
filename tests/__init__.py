"""The test suite (the environment every back office it starts runs with)."""

import os

# Every back office the tests start has a secret of its own: nothing in the suite may depend on
# the development default. The live servers (forked by tests/server_launcher.py, or started as
# processes) run in demo mode, for the demo card verifier; in-process apps run outside it with a
# card verifier named as production names one (tests/conftest.py `settings`, tests/cards.py).
TEST_SECRET_KEY = "zhili-test-suite-secret-3c1f8a9e5b7d4e21a6f0c2d8"
os.environ.setdefault("ZHILI_SECRET_KEY", TEST_SECRET_KEY)
os.environ.setdefault("ZHILI_DEMO", "1")
