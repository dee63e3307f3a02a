"""Mid-term evaluation of education plans against annual statistical returns.

Submodules are imported on demand (``from analysis import returns``) so that a report
kernel does not pay for statsmodels, which only the models stage needs.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("plan-eval-analysis")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+source"

__all__ = ["__version__"]
