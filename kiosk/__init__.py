"""Zhili (智理) self-service kiosk: the touch-screen app and its fleet agent."""

__version__ = "0.1.0"
