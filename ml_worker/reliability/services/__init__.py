"""Writes of reliability: generation, evaluation sets, sweeps, quality comparisons, decisions."""
