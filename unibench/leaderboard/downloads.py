"""The site's downloads: `leaderboard.json`, `leaderboard.csv` (main table), `results-long.csv`
(every number, one line per entry and row) and `leaderboard.tex` (main table and Table 3).

Each keeps the comparability group next to every number, so a reader who re-ranks a download
can see what must not be ranked together. The CSV files are written for spreadsheets that must
not run anything: every cell is quoted, CR and CRLF inside a cell become LF (a bare CR is a row
break to some readers), and every line of a cell that starts like a formula (`=`, `+`, `-`, `@`,
tab or CR: OWASP's list) is prefixed with `'`, not only the first (a tool that splits on line
breaks would otherwise see a new row starting with a formula). Numbers stay numbers. The JSON keeps
every string as it is. LaTeX specials in names are escaped.
"""

from __future__ import annotations

import csv
import io
import re

from ..cards import DOMAINS
from .board import CROSSNER_MIT

COLUMNS = ["overall", *DOMAINS]
_TEX = {"&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{", "}": r"\}",
        "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "\\": r"\textbackslash{}"}


def pct(x) -> str:
    return "–" if x is None else f"{100 * x:.1f}"


def tex(s: str) -> str:
    return re.sub(r"[&%$#_{}~^\\]", lambda m: _TEX[m.group()], s)


_FORMULA_START = re.compile(r"^(?=[=+\-@\t\r])", re.MULTILINE)


def safe_cell(v):
    """A CSV cell a spreadsheet shows as text: line breaks normalised to LF, then a `'` before every
    line that starts with a formula character."""
    if not isinstance(v, str):
        return v
    return _FORMULA_START.sub("'", v.replace("\r\n", "\n").replace("\r", "\n"))


def _ci(c):
    return list(c.ci) if c is not None and c.ci else None


def leaderboard_json(main, t3, entries, skipped, version: str) -> dict:
    described: dict[str, dict] = {}

    def entry(e):  # once per entry: its 49 rows repeat it
        if e.key not in described:
            described[e.key] = _describe(e)
        return described[e.key]

    def _describe(e):
        return {"model": e.model_id, "revision": e.revision, "display": e.display, "kind": e.kind,
                "source": e.source_key, "group": e.group, "family": e.family, "n_parameters": e.n_parameters,
                "training_datasets": sorted(e.training), "supervised": e.supervised}
    return {
        "unibench_version": version,
        "note": "F1 as fractions; domain and overall are plain means over rows; rank only within a group",
        "main": [{**entry(x["entry"]), "rank": x["rank"], "not_separable_from_previous": x["tie"],
                  **{c: (x["cells"][c].value if c in x["cells"] else None) for c in COLUMNS},
                  **{f"{c}_ci95": _ci(x["cells"].get(c)) for c in COLUMNS},
                  **{f"{c}_note": x["cells"][c].note for c in COLUMNS if c in x["cells"] and x["cells"][c].note}}
                 for _, rows in main for x in rows],
        "crossner_mit": [{**entry(x["entry"]), "rank": x["rank"], **x["values"], "avg": x["avg"]}
                         for _, rows in t3 for x in rows],
        "rows": [{**entry(e), "row": row, "f1": r.scores.f1, "precision": r.scores.precision,
                  "recall": r.scores.recall, "ci95": list(r.scores.ci95) if r.scores.ci95 else None,
                  "tp": r.scores.tp, "fp": r.scores.fp, "fn": r.scores.fn,
                  "scorer_version": r.stamps.scorer_version}
                 for e in entries.values() for row, r in sorted(e.rows.items())],
        "skipped": skipped,
    }


def _csv(header: list[str], lines) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_ALL)
    w.writerow(header)
    done: dict[str, str] = {}  # names, groups and versions recur on every line: each string made safe once
    for line in lines:
        w.writerow([v if not isinstance(v, str) else done[v] if v in done else done.setdefault(v, safe_cell(v))
                    for v in line])
    return buf.getvalue()


def main_csv(data: dict) -> str:
    def num(v):
        return "" if v is None else f"{100 * v:.2f}"
    header = ["group", "rank", "model", "revision", "display", "kind", "source", "supervised", "n_parameters"]
    for c in COLUMNS:
        header += [c, f"{c}_ci_low", f"{c}_ci_high"]
    lines = []
    for r in data["main"]:
        line = [r["group"], r["rank"] or "", r["model"], r["revision"], r["display"], r["kind"], r["source"],
                r["supervised"], r["n_parameters"] or ""]
        for c in COLUMNS:
            ci = r[f"{c}_ci95"] or [None, None]
            line += [num(r[c]), num(ci[0]), num(ci[1])]
        lines.append(line)
    return _csv(header, lines)


def long_csv(data: dict) -> str:
    header = ["group", "model", "revision", "display", "kind", "source", "row", "f1", "precision", "recall",
              "ci_low", "ci_high", "tp", "fp", "fn", "scorer_version"]
    lines = [[r["group"], r["model"], r["revision"], r["display"], r["kind"], r["source"], r["row"], r["f1"],
              r["precision"], r["recall"], *(r["ci95"] or ["", ""]), r["tp"], r["fp"], r["fn"], r["scorer_version"]]
             for r in data["rows"]]
    return _csv(header, [["" if v is None else v for v in line] for line in lines])


def latex(main, t3, names: dict[str, str]) -> str:
    """Two tabulars (booktabs): the main table and Table 3, one block per comparability group."""
    out = ["% unibench leaderboard: F1 (%); ranked only within a group",
           r"\begin{tabular}{l" + "r" * len(COLUMNS) + "}", r"\toprule",
           " & ".join(["Model", "Avg", *[tex(d) for d in DOMAINS]]) + r" \\"]
    for group, rows in main:
        out += [r"\midrule", rf"\multicolumn{{{len(COLUMNS) + 1}}}{{l}}{{\emph{{{tex(group)}}}}} \\"]
        for x in rows:
            name = tex(x["entry"].display) + (f" ({tex(x['entry'].source_key)})" if x["entry"].kind == "reported"
                                              else "")
            vals = [pct(x["cells"][c].value) if c in x["cells"] else "--" for c in COLUMNS]
            out.append(" & ".join([name, *vals]) + r" \\")
    out += [r"\bottomrule", r"\end{tabular}", "", r"\begin{tabular}{l" + "r" * (len(CROSSNER_MIT) + 1) + "}",
            r"\toprule", " & ".join(["Model", *[tex(names[c]) for c in CROSSNER_MIT], "Avg"]) + r" \\"]
    for group, rows in t3:
        out += [r"\midrule", rf"\multicolumn{{{len(CROSSNER_MIT) + 2}}}{{l}}{{\emph{{{tex(group)}}}}} \\"]
        for x in rows:
            vals = [pct(x["values"][c]) if x["values"][c] is not None else "--" for c in CROSSNER_MIT]
            out.append(" & ".join([tex(x["entry"].display), *vals, pct(x["avg"]) if x["avg"] is not None
                                   else "--"]) + r" \\")
    out += [r"\bottomrule", r"\end{tabular}"]
    return "\n".join(out).replace("–", "--") + "\n"
