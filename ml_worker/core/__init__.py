"""Gauntlet's pure ML core: torch/transformers only, no Django and nothing of Gauntlet.

classifier     InjuryClassifier: P(injurious) for (prompt, completion) pairs; load/save/score
training       train(): weighted CE, SiFT, early stopping on AUC, resumable checkpoints
saliency       token_saliency(): gradient of the injurious logit per input token
substitutions  suggest_substitutions(): word edits sorted by their exact re-scored probability
paraphrasers   lexical / local HF model / OpenAI-compatible HTTP paraphrase backends
similarity     SentenceEncoder (MiniLM mean pooling), cosine similarity, normalised edit distance
calibration    thresholds for a target recall, rejection rates, failure-rate estimates with intervals
artifacts      local paths and s3:// prefixes materialised into a local cache
device         device choice and mixed precision
bare           plain-torch baselines and synthetic stories for benchmarks (see `python -m ...bench`)
"""
