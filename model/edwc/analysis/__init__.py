"""Analysis stage: the independent check, the terminal report and the comparison of results."""
