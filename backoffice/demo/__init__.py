"""Demo data, kept out of the production code: the accounts, units and terminal of `make demo`
(`seed`), a week and a day of ops-centre history (`history`), and what a kiosk receives from a
back office loaded with the shipped seed files (`kiosk_views`, for the kiosk's tests and
benchmark). `zhili-backoffice seed-demo` and `scripts/demo.py` load them."""
