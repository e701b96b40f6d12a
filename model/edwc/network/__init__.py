"""Network stage: the trunk graph, shortest-latency routes, round-trip times and the latency-allowed set A."""
