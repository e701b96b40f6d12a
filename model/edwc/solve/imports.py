"""What edwc keeps Pyomo from importing. Pyomo registers callbacks that run the first time a
package is used anywhere in the process and import more of it than edwc needs: for scipy,
scipy.stats, scipy.integrate and scipy.spatial (0.4-0.6 s, most of it scipy.stats writing its
distributions' docstrings; the hand-over needs scipy.sparse only); for matplotlib, pyplot and pylab
(about a third of a CPU second; the maps draw with Figure and Agg only). tests/test_solve_imports.py
guards both (docs/performance.md)."""

from __future__ import annotations

import sys


def skip_pyomo_import_callback(package: str) -> None:
    """Clear Pyomo's import callback for `package` while the package is not yet loaded (with pyomo
    loaded): a later import, by anyone or through Pyomo's deferred module, then runs no callback. The
    package still imports any submodule on first use, and Pyomo finds it there. It reads one private
    attribute of Pyomo's deferred-import indicator; if that changes, only the time saved is lost."""
    deps = sys.modules.get("pyomo.common.dependencies")
    indicator = getattr(deps, f"{package}_available", None)
    if package not in sys.modules and hasattr(indicator, "_callback") and getattr(indicator, "_module", 0) is None:
        indicator._callback = None  # type: ignore[union-attr]
