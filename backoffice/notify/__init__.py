"""Notifications to responsible units: an outbox written with the case change, then deliveries."""
