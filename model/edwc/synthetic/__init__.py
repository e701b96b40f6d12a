"""Synthetic instances (real city geography, synthetic numbers) for scale and speed tests."""
