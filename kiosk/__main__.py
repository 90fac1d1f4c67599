"""Run the kiosk with ``python -m kiosk``."""

from kiosk.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
