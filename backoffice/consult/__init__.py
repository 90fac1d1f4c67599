"""One-tap consult (一键通): questions and material pre-checks from kiosks, answered by staff."""
