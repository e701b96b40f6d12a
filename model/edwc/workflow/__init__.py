"""Workflow stage: one case end to end (load, build, solve, check, write, draw) and sweeps of many cases."""
