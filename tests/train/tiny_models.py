"""A tiny Llama with a byte-level BPE tokenizer trained offline on a given corpus.

The same pattern as tests/backends/conftest.py (`_bpe_tokenizer` + a Llama built from a config
with a fixed seed), with the corpus as a parameter: the end-to-end tests train the tokenizer on
the conversations they are about to train on, so records are a few hundred tokens, not a few
thousand bytes. Special tokens: <pad> <s> </s> <unk>; BOS is added first, as Llama's tokenizer
does, and "</s>" in the text is the EOS token, as in the original UniNER training.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable


def tiny_causal_lm(folder: Path, corpus: Iterable[str], *, vocab: int = 1200, hidden: int = 128,
                   layers: int = 2, seed: int = 0) -> Path:
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab, special_tokens=["<pad>", "<s>", "</s>", "<unk>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(list(corpus), trainer)
    bos = tok.token_to_id("<s>")
    tok.post_processor = processors.TemplateProcessing(single="<s> $A", special_tokens=[("<s>", bos)])
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<s>", eos_token="</s>", unk_token="<unk>",
                                   pad_token="<pad>")
    fast.save_pretrained(folder)
    cfg = LlamaConfig(vocab_size=len(fast), hidden_size=hidden, intermediate_size=2 * hidden,
                      num_hidden_layers=layers, num_attention_heads=4, num_key_value_heads=2,
                      max_position_embeddings=1024, bos_token_id=fast.bos_token_id, eos_token_id=fast.eos_token_id,
                      pad_token_id=fast.pad_token_id, tie_word_embeddings=False)
    torch.manual_seed(seed)
    LlamaForCausalLM(cfg).save_pretrained(folder)
    return folder
