"""Package names imported on first use (PEP 562), so light entry points stay light.

The batch runner and the command line import ``analysis.evaluate.rule`` or
``analysis.report.naming`` without pulling in pandas and matplotlib through the packages'
``__init__``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_getattr(package: str,
                 exports: Mapping[str, str | tuple[str, str]]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package``: ``exports`` maps each public name to its
    module, or to ``(module, attribute)`` when it is exported under another name."""

    def __getattr__(name: str) -> Any:
        target = exports.get(name)
        if target is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module, attribute = (target, name) if isinstance(target, str) else target
        return getattr(importlib.import_module(module), attribute)

    return __getattr__
