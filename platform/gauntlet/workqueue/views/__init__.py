"""Contractor pages of the work queue: work on a queue (claim, judge, release), and standing."""
