"""Audit records: who changed whose standing or which policy, from what to what, and why."""
