"""Identity evidence: card reads and Suishen codes turned into short-lived identifications."""
