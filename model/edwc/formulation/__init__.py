"""Formulation stage: model data, the Pyomo model, its constraint families, policies and objective."""
