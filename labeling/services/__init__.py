"""Writes for labeling: examples, imports, exports, labels and consensus."""
