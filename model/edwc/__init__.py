"""edwc — plan China's East Data, West Computing compute network."""

__version__ = "0.1.0"

import os as _os

# One BLAS thread unless the planner says otherwise: edwc's numerical work is small, HiGHS has its own threads,
# and under a memory limit (ulimit -v) scipy's bundled OpenBLAS retried a failing per-thread buffer allocation
# forever while loading, so `edwc solve` hung instead of failing (found while testing the crash guard).
_os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
