"""The test suite (the environment every back office it starts runs with)."""

import os

# Every back office the tests start (in process, or forked by tests/server_launcher.py) runs in
# demo mode, for the demo adapters (the demo card issuer key, the demo Suishen issuer), but with
# a secret of its own: nothing in the suite may depend on the development default.
TEST_SECRET_KEY = "zhili-test-suite-secret-3c1f8a9e5b7d4e21a6f0c2d8"
os.environ.setdefault("ZHILI_SECRET_KEY", TEST_SECRET_KEY)
os.environ.setdefault("ZHILI_DEMO", "1")
