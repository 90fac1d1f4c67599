"""Contacts for callbacks: a person's phone kept encrypted beside its keyed hash and masked form,
revealed in full only to roles that call back (each reveal audited), erased after its case
closes plus a retention period."""
