"""CLI subcommands, one module per command; each defines ``command`` (a click command).

``corpuskit.cli`` registers every module here in sorted order. Modules must
import heavy libraries inside the command function, not at import time.
"""

from __future__ import annotations

import importlib
import pkgutil


def discover() -> list:
    commands = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        command = getattr(module, "command", None)
        if command is not None:
            commands.append(command)
    return commands
