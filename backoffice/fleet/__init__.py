"""Fleet management: terminals, enrollment, heartbeats, online/offline."""
