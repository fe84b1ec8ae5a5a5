"""The ``capkit`` command line (typer + rich). Thin: it parses, reports and calls the engine.

It never imports Qt, and imports the engine only inside the commands, so ``capkit --help`` is quick.
"""
