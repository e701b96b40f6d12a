"""Decision analytics of a solved plan: what each policy, site and corridor costs and which choices are firm.

Runs after results (it reads result folders and re-solves their instance in-process); the parallel
re-solves that some analyses need are orchestrated in edwc.workflow (price, pareto, alternatives).
"""
