"""Identity and access: staff accounts, roles, API tokens, and who may reach what."""
