# Zhili: two commands. Both set up what they need first (venv, pip, Debian packages as root).
#   make demo   back office on http://127.0.0.1:8000 + one kiosk with simulated devices (SQLite)
#   make test   ruff, then mypy, pytest on SQLite and the `pg` tests on PostgreSQL side by side

SHELL := /bin/bash

.PHONY: demo test

demo:
	@scripts/setup.sh
	@ZHILI_DEMO=1 scripts/with-services.sh .venv/bin/python scripts/demo.py

test:
	@scripts/setup.sh
	@scripts/with-services.sh scripts/run-tests.sh
