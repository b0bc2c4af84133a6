"""Manager pages of ml_worker: examples (with their latest score) and classifiers (under /manage/)."""
