"""Service catalog: categories, matters and no-certificate queries with their guides."""
