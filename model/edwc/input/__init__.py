"""Input stage: the instance schema, reading and validating its tables, and scenario overrides."""
