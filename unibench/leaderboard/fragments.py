"""The site's big repeated table parts as plain Python strings: the same bytes the Jinja2 loops wrote.

A 500-model leaderboard's pages hold about 2.3 million table cells (49 dataset pages of 500 rows
with a per-type table each, 500 model pages of 49 rows, 9 domain pages, the main table). Jinja2
pays a macro call, an attribute lookup through the environment and an escaping call per cell; here
each row is one f-string. Every string that comes from a result file still goes through
`markupsafe.escape` (`_h`); numbers are formatted directly (their text has nothing to escape).
The templates insert the returned `Markup` where their loops were.

tests/leaderboard/test_fast_pages.py renders a varied board with these and with the templates'
former loops (kept in tests/leaderboard/reference_templates/) and requires identical files.
"""

from __future__ import annotations

from typing import Callable

from markupsafe import Markup, escape

from .downloads import pct

TIE = ' <span class="tie" title="not significantly different from the entry ranked above ({})">≈</span>'
PARTIAL = (' title="partial mean over the rows this entry has: unranked, not comparable with the full '
           "benchmark's (or the paper's) mean\"")
TRAINED_ROW = '<span class="badge sup" title="this model was trained on this row">trained on this row</span>'
TRAINED = ' <span class="badge sup">trained</span>'
SAMPLED = ' <span class="note">sampled</span>'
UNVERIFIED_VERSION = (' <span class="badge unverified" title="the card records no test set for this dataset '
                      'version">test set not verified</span>')


def _h(value) -> str:
    """What Jinja2's autoescape writes for `{{ value }}` (a plain str). The same strings (types,
    versions, hashes, names) recur thousands of times: each is escaped once (`_ESCAPED`)."""
    kind = type(value)
    if kind is str:
        done = _ESCAPED.get(value)
        if done is None:
            if len(_ESCAPED) > 200_000:  # a long-lived process building many sites: start afresh
                _ESCAPED.clear()
            done = _ESCAPED[value] = str(escape(value))
        return done
    if kind is int:  # an int's text has nothing to escape (bool is not `int` here: it writes True/False)
        return str(value)
    return str(escape(value))


_ESCAPED: dict[str, str] = {}


def _num(v) -> str:
    return "" if v is None else f"{v:.6f}"


def _ci(c) -> str:
    return f"[{pct(c[0])}, {pct(c[1])}]" if c else "–"


def _or_dash(v) -> str:
    return _h(v) if v is not None else "–"


def _dictsort(d: dict) -> list:
    """Jinja2's `dictsort` (by key, case-insensitively, stable)."""
    return sorted(d.items(), key=lambda kv: kv[0].lower() if isinstance(kv[0], str) else kv[0])


def rank(x: dict) -> str:
    r, tie = x["rank"], x["tie"]
    return (f'<td class="rank" data-v="{_h(r) if r else ""}">{_h(r) if r else "–"}'
            f'{TIE.format(_h(tie)) if tie else ""}</td>\n')


def score(cell) -> str:
    out = [f'<td data-v="{_num(cell.value) if cell else ""}">{pct(cell.value if cell else None)}\n']
    if cell and cell.ci:
        out.append(f'<span class="ci">{_ci(cell.ci)}</span>')
    if cell and cell.note and cell.note != "reported":
        partial = cell.note.endswith("rows")
        out.append(f'<span class="note"{PARTIAL if partial else ""}>{_h(cell.note)}'
                   f'{" (partial)" if partial else ""}</span>')
    out.append("</td>\n")
    return "".join(out)


def make(eslug: Callable, parse_warning: Callable) -> dict:
    """The template globals, given the site's entry slugs and parse-warning wording."""

    def entry_name(e, root: str, supervised=None) -> str:
        out = f'<a href="{_h(root)}models/{_h(eslug(e))}.html">{_h(e.display)}</a>\n'
        if e.kind == "reported":
            out += (f'<span class="badge reported" title="a number printed in a paper, not a run">reported '
                    f'{_h(e.source_key)}</span>')
        if supervised:
            out += (f'<span class="badge sup" title="trained on benchmark rows ({len(e.training)}) or prompted '
                    'with supervision">supervised</span>')
        return out

    def warn(r) -> str:
        w = parse_warning(r)
        return f' <span class="badge warn" title="{_h(w)}">mostly unparsed</span>' if w else ""

    def main_rows(rows: list, columns: list, root: str) -> Markup:
        out = []
        for x in rows:
            cells = x["cells"]
            out.append(f'<tr data-supervised="{1 if x["supervised"] else 0}">{rank(x)}\n'
                       f'<td class="name">{entry_name(x["entry"], root, x["supervised"])}</td>\n'
                       + "".join(score(cells.get(c)) for c in columns) + "</tr>\n")
        return Markup("".join(out))

    def domain_rows(xs: list, rows: list, root: str) -> Markup:
        out = []
        for x in xs:
            e = x["entry"]
            out.append(f'<tr>{rank(x)}<td class="name">{entry_name(e, root, x["supervised"])}</td>'
                       f'{score(x["cells"]["mean"])}\n')
            for r in rows:
                res = e.rows.get(r)
                if res:
                    s = res.scores
                    ci = f'<span class="ci">{_ci(s.ci95)}</span>' if s.ci95 else ""
                    out.append(f'<td data-v="{_num(s.f1)}">{pct(s.f1)}{ci}</td>')
                else:
                    out.append(f'<td data-v="">{pct(None)}</td>')
            out.append("</tr>\n")
        return Markup("".join(out))

    def dataset_rows(xs: list, card, root: str) -> Markup:
        out = []
        for x in xs:
            e, r = x["entry"], x["result"]
            dg, s, d, fm = r.diagnostics, r.scores, r.dataset, r.familiarity
            out.append(f'<tr>{rank(x)}<td class="name">{entry_name(e, root, x["supervised"])}'
                       f'{TRAINED_ROW if e.trained_on(card.id) else ""}'
                       f'</td>\n{score(x["cells"]["f1"])}\n'
                       f'<td data-v="{_num(fm.mean) if fm else ""}">{pct(fm.mean) if fm else "–"}</td>\n'
                       f'<td data-v="{_num(s.precision)}">{pct(s.precision)}</td>'
                       f'<td data-v="{_num(s.recall)}">{pct(s.recall)}</td>\n'
                       f'<td>{_or_dash(s.tp)}</td><td>{_or_dash(s.fp)}</td><td>{_or_dash(s.fn)}</td>\n'
                       f'<td>{_or_dash(d.n_queries)}{SAMPLED if d.sampled else ""}</td>\n')
            if dg:
                out.append(
                    f'<td data-v="{_num(dg.parse_failure_rate)}">{pct(dg.parse_failure_rate)}% '
                    f'({_h(dg.parse_failures)}){warn(r)}</td>\n'
                    f'<td data-v="{_num(dg.empty_output_rate)}">{pct(dg.empty_output_rate)}% '
                    f'({_h(dg.empty_outputs)})</td>\n')
                if dg.hallucination_rate is not None:
                    out.append(f'<td data-v="{_num(dg.hallucination_rate)}">{pct(dg.hallucination_rate)}% '
                               f'({_h(dg.hallucinations)})</td>\n')
                else:
                    out.append('<td data-v="">–</td>\n')
            else:
                out.append(f'<td data-v="">–{warn(r)}</td>\n<td data-v="">–</td>\n<td data-v="">–</td>\n')
            if r.kind == "run":
                data = (f'{_h(d.version)}, rev <code>{_h(d.revision[:12])}</code>, hash '
                        f'<code>{_h(d.content_hash[:12])}</code>'
                        f'{UNVERIFIED_VERSION if d.version not in card.test_sets else ""}')
            else:
                data = _h(r.reported.source)
            browse = (f'<a href="../samples/{_h(eslug(e))}/{_h(card.id)}.html">browse</a>'
                      if card.id in e.samples else "–")
            out.append(f'<td class="name small">{data}</td>\n<td class="name">{browse}</td></tr>\n')
        return Markup("".join(out))

    def dataset_details(xs: list) -> Markup:
        """The familiarity-per-type and per-type-score tables under a dataset page's table."""
        out = []
        for x in xs:
            r = x["result"]
            fm = r.familiarity
            if not fm:
                continue
            out.append(f'<details><summary>Familiarity per type: {_h(x["entry"].display)}</summary>\n'
                       f'<p class="small muted">Training types {_h(fm.training_source or "unknown source")} (sha256 '
                       f'<code>{_h(fm.training_types_sha256[:12])}</code>), embedding model {_h(fm.embedding_model)}, '
                       f'k = {_h(fm.k)}.</p>\n<table class="sortable"><thead><tr><th class="name">type</th>'
                       '<th>Familiarity</th><th>F1</th></tr></thead><tbody>\n')
            for t, v in fm.per_type.items():
                ts = r.per_type.get(t)
                out.append(f'<tr><td class="name">{_h(t)}</td><td data-v="{_num(v)}">{pct(v)}</td>'
                           f'<td data-v="{_num(ts.f1) if ts else ""}">{pct(ts.f1) if ts else "–"}</td></tr>\n')
            out.append("</tbody></table></details>\n")
        for x in xs:
            r = x["result"]
            if not r.per_type:
                continue
            out.append(f'<details><summary>Per-type scores: {_h(x["entry"].display)}</summary>\n'
                       '<table class="sortable"><thead><tr><th class="name">type</th><th>P</th><th>R</th>'
                       '<th>F1</th><th>tp</th><th>fp</th><th>fn</th><th>support</th></tr></thead><tbody>\n')
            for t, s in r.per_type.items():
                out.append(f'<tr><td class="name">{_h(t)}</td><td data-v="{_num(s.precision)}">{pct(s.precision)}'
                           f'</td><td data-v="{_num(s.recall)}">{pct(s.recall)}</td><td data-v="{_num(s.f1)}">'
                           f'{pct(s.f1)}</td><td>{_h(s.tp)}</td><td>{_h(s.fp)}</td><td>{_h(s.fn)}</td>'
                           f'<td>{_h(s.support)}</td></tr>\n')
            out.append("</tbody></table></details>\n")
        return Markup("".join(out))

    def model_rows(e, reg: dict, names: dict) -> Markup:
        """The "Every number" table of a model page: one line per row of the entry."""
        out, shared = [], {}
        slug = None
        for row, r in _dictsort(e.rows):
            s, dg = r.scores, r.diagnostics
            samples = ""
            if row in e.samples:
                slug = slug or _h(eslug(e))
                samples = f' <a href="../samples/{slug}/{_h(row)}.html" class="small">samples</a>'
            out.append(f'<tr><td class="name"><a href="../datasets/{_h(row)}.html">{_h(names[row])}</a>'
                       f'{TRAINED if e.trained_on(row) else ""}{samples}</td>\n'
                       f'<td data-v="{_num(s.f1)}">{pct(s.f1)}</td><td>{pct(s.precision)}</td>'
                       f'<td>{pct(s.recall)}</td>\n'
                       f'<td>{_or_dash(s.tp)}</td><td>{_or_dash(s.fp)}</td><td>{_or_dash(s.fn)}</td>\n'
                       f'<td>{_ci(s.ci95)}</td>\n<td>')
            if dg and dg.parse_failure_rate is not None:
                out.append(f"{pct(dg.parse_failure_rate)}%")
            else:
                out.append("–")
            out.append(f'{warn(r)}</td>\n<td>')
            out.append(f"{pct(dg.hallucination_rate)}%" if dg and dg.hallucination_rate is not None else "–")
            out.append(f'</td>\n<td>{pct(r.strict_span.f1 if r.strict_span else None)}</td>\n<td class="small"')
            c = r.cost
            if c and c.usd is not None:
                out.append(f' data-v="{_h(c.usd)}"')
            out.append(">")
            if c:
                if c.input_tokens is not None:
                    out.append(f'{_h("{:,}".format(c.input_tokens))} in / {_h("{:,}".format(c.output_tokens))} '
                               "out tokens; ")
                out.append(f'{"%.1f" % c.wall_seconds} s wall, {"%.1f" % c.device_seconds} s CPU')
                if c.usd is not None:
                    out.append(f'; ${"%.4f" % c.usd}')
            else:
                out.append("–")
            out.append('</td>\n<td class="name small">')
            if r.reported:
                rp = r.reported
                out.append(f'{_h(rp.source)} (printed {_h(rp.value_text)}){": " + _h(rp.note) if rp.note else ""}')
            else:
                out.append(run_stamps(r, reg[row].test_sets, shared))
            out.append("</td></tr>\n")
        return Markup("".join(out))

    def run_stamps(r, test_sets, shared: dict) -> str:
        """A run's data, prompt, backend, decoding and stamps line. A model's 49 results share their prompt,
        backend, decoding and stamps objects (board._share_parts): that part is written once per model."""
        d, p, b, st = r.dataset, r.prompt, r.backend, r.stamps
        data = (f'data {_h(d.version)}/{_h(d.split)} rev <code>{_h(d.revision)}</code> content '
                f'<code>{_h(d.content_hash[:12])}</code>{UNVERIFIED_VERSION if d.version not in test_sets else ""}'
                f' label map <code>{_h(d.label_map_hash[:12])}</code>; {_h(d.n_sentences)} sentences, '
                f'{_h(d.n_queries)} queries{f" (sampled, seed {_h(d.sample_seed)})" if d.sampled else ""};\n')
        key = (id(p), id(b), id(r.decoding), id(st))  # the objects live as long as the board: ids are stable
        rest = shared.get(key)
        if rest is None:
            rest = shared[key] = (
                f'prompt {_h(p.adapter)} ({_h(p.setting)}) <code>{_h(p.template_hash[:12])}</code>; backend '
                f'{_h(b.name)}{"".join(f" {_h(k)} {_h(v)}" for k, v in _dictsort(b.versions))};\n'
                f'decoding {"".join(f"{_h(k)}={_h(v)} " for k, v in _dictsort(r.decoding))}; scorer '
                f'{_h(st.scorer_version)}'
                f'{f" (re-scored from {_h(st.rescored_from)} by unibench rescore)" if st.rescored_from else ""}'
                f', unibench {_h(st.unibench_version)}; {_h(st.date)}'
                f'{f"; <code>{_h(st.command)}</code>" if st.command else ""}')
        return data + rest

    return {"entry_name_html": entry_name, "main_rows": main_rows, "domain_rows": domain_rows,
            "dataset_rows": dataset_rows, "dataset_details": dataset_details, "model_rows": model_rows}
