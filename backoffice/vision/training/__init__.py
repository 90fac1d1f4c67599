"""Training-side code of the AI patrol: scene generators, training, evaluation, the demo feed.

Nothing here is imported by the serving path (router, service, patrol)."""
