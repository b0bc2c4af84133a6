"""Contractor pages of the attacks app: the contractor's home and the rewrite tool."""
