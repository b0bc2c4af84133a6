"""Manager pages of labeling: data upload, agreement and rater audits (under /manage/)."""
