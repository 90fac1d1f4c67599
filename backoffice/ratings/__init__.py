"""Ratings (好差评): five levels per visit, and the rectification loop after a bad rating."""
