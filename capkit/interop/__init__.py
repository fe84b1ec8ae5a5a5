"""Bridges to other tools: MoviePy clips as capkit sources, capkit projects as MoviePy clips."""
