"""The filter core: filters as pure functions of (frame, parameters) with parameter schemas.

See :mod:`capkit.fx.registry` for how filters are declared and looked up.
"""
