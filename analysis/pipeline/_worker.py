"""Set-up of the local pool's worker processes (see :class:`analysis.pipeline.executor.Executor`).

The fork server imports this module once per batch (``set_forkserver_preload``), so every
worker forked from it starts with papermill (and nbformat), the atomic writer and the
warm-kernel classes (:mod:`analysis.pipeline.kernels`) imported. Nothing here runs inside a
kernel: the kernels execute the notebooks and nothing else.
"""

from __future__ import annotations

import sys

# jsonschema, imported by nbformat (through papermill), builds a Lark Earley parser for
# RFC 3987 IRIs at import time when the optional ``rfc3987_syntax`` package is installed:
# ~2.8 s, in front of the first notebook of every batch. nbformat validates notebooks against
# draft-4 JSON schemas, which have no "iri" formats, so the workers import jsonschema without
# its IRI checkers (jsonschema skips them when that import fails) and then lift the block.
_SKIPPED = "rfc3987_syntax"
_blocked = _SKIPPED not in sys.modules
if _blocked:
    sys.modules[_SKIPPED] = None  # type: ignore[assignment]  # "import rfc3987_syntax" fails
try:
    import papermill  # noqa: F401  (imported for the workers forked from this process)
finally:
    if _blocked and sys.modules.get(_SKIPPED, False) is None:
        del sys.modules[_SKIPPED]

# What every worker's first task would import otherwise (~0.25 s each): the atomic writer of
# the executed notebooks (with pandas), what jupyter_client reads when it starts a kernel, and
# the warm-kernel manager classes (analysis.pipeline.kernels).
import IPython.paths  # noqa: E402, F401

import analysis.core.io  # noqa: E402, F401
from analysis.pipeline import kernels as _kernels  # noqa: E402

_kernels.manager_classes()

