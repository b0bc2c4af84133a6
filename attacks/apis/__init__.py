"""HTTP interface of the attacks app: rewrite sessions (contractors), registry, paraphrase batches, reports (managers)."""
