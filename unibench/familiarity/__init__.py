"""Familiarity (Golde et al., NAACL 2025): how close a model's training entity types are to an
evaluation row's types, weighted by how often the model saw them. See docs/familiarity.md.

`metric` holds the formula (numpy only), `training_types` the type counts of a training set,
`embed` the sentence-embedding model (torch, imported only when something must be embedded),
`compute` the cached per-row computation the CLI, the runner and the tests share.
"""
