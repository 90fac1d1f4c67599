"""No-certificate queries that answer: the query table, the upstream adapter, the kiosk API."""
