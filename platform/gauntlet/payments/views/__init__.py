"""Contractor pages of payments: the earnings page."""
