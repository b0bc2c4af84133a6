"""Labeling endpoints (manager-only): imports, exports, consensus, agreement, rater audits."""
