"""Liveness: does the server run and does its database answer."""
