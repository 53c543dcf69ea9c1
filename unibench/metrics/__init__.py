"""Scoring, in pure Python (no torch, no numpy): one module per metric.

- `uniner`: the original UniNER parser and string/set micro-F1, with its quirks (parity-tested)
- `spans`: strict span F1 (type + exact offsets), equal to seqeval on BIO input
- `diagnostics`: parse failures, empty outputs, hallucinations
- `bootstrap`: seeded 95% CIs that resample sentences
- `prf`: the shared P/R/F1 arithmetic
"""
