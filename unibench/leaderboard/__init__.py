"""The leaderboard: result files -> comparable tables -> a static site (no model code, no network).

`collect` reads and validates result files only (the results schema), and groups them into
*entries*: one per model and source (a run, or one printing of a paper's numbers, e.g. Fig. 9 vs
Table 3). Entries are ranked only within one comparability group: the same scorer version and
the same dataset version. Reported numbers form their own group ("reported"); they are shown,
badged, next to runs but never mixed into a run ranking.
"""
