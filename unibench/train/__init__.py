"""The training half of the distillation recipe: `unibench train` (the UniNER student) and
`unibench train-tagger` (the paper's supervised BERT-style baseline).

Layout, in pipeline order:
- `conversations.py`: the conversation data file (the released Pile-NER-type layout), read and
  validated with file:line errors; no torch;
- `template.py` + `templates/ie_as_qa.yaml`: the ie_as_qa conversation template and the rendering
  of one record into text + the character ranges the loss is computed on; no torch;
- `encode.py`: rendered text -> token ids and labels (-100 outside assistant answers);
- `loop.py`: the optimisation loop shared by both commands (accumulation, schedules, progress);
- `checkpoint.py`: atomic checkpoints, the model card and `unibench_model.json`;
- `sft.py`, `tagger.py`: the two recipes.

Only `loop.py`, `sft.py` and `tagger.py` import torch, and only when called.
"""
