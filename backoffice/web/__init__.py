"""Ops-centre pages: the operators' server-rendered window on cases, terminals and ratings."""
