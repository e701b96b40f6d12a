"""Solve stage: HiGHS through Pyomo, and explanations of infeasible policy mixes."""
