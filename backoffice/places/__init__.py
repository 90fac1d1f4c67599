"""Places (地点): communities, grids, roads, compounds, buildings, parks, collection points."""
