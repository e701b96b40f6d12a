"""edwc — plan China's East Data, West Computing compute network."""

__version__ = "0.1.0"
