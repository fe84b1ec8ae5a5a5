"""The built-in operations, registered on import.

Each module declares its operations as :class:`~capkit.fx.registry.FilterSpec` objects whose
``prepare`` computes tables, matrices and masks once and returns a step written only against
the kernel primitives, so every operation runs unchanged on every backend.
"""

from capkit.fx.ops import color, detail, key, stylize, tone  # noqa: F401  (registers on import)
