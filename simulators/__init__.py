"""Protocol peers for the kiosk's devices: a virtual card behind pcscd (vpcd), a network ESC/POS
printer with a decoder and preview renderer, and video files as a camera; faults injected here.

The kiosk's real drivers talk to these exactly as to hardware. ``python -m simulators --help``.
"""
