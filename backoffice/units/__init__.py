"""Responsible units (责任单位): who must fix a case, in a hierarchy of handling levels."""
