"""Reliability on ml_worker's Django side: generation batches, evaluation sets, threshold sweeps,
quality comparisons at a threshold, failure-rate reports and calibration decisions.

The statistics live in the pure core (``ml_worker.core.reliability``); this package gathers rows,
writes what the managers decide and hands plain arrays to the core.
"""
