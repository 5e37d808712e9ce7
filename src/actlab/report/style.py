"""The report page's stylesheet (inlined: the page needs no other file and no network)."""

CSS = """
:root { --ink: #1d2327; --muted: #5c6670; --rule: #dfe3e8; --accent: #0072B2;
  --holds: #1b7f3b; --partly: #a86400; --fails: #b3261e; --inconclusive: #5c6670; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fbfbf9;
  font: 17px/1.6 Georgia, "Times New Roman", serif; }
article { max-width: 50rem; margin: 0 auto; padding: 2.5rem 1.25rem 4rem; }
h1, h2, h3, .kicker, .badge, table, figcaption, .claim .label, footer, .reproduce, dl, caption {
  font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; }
h1 { font-size: 2.3rem; line-height: 1.15; margin: 0.2rem 0 1rem; }
h2 { font-size: 1.45rem; margin: 3.2rem 0 1rem; padding-top: 1rem;
  border-top: 1px solid var(--rule); }
h2 .num { color: var(--accent); margin-right: 0.35rem; }
h3 { font-size: 1.1rem; margin: 0 0 0.3rem; }
.kicker { text-transform: uppercase; letter-spacing: 0.08em; font-size: 0.78rem;
  color: var(--muted); margin: 0; }
.lede { font-size: 1.15rem; color: #333; }
a { color: var(--accent); }
code { font-family: "SFMono-Regular", Menlo, Consolas, monospace; font-size: 0.85em;
  background: #f0f1ee; padding: 0.05em 0.3em; border-radius: 3px; }
.claim { background: #fff; border: 1px solid var(--rule); border-left: 4px solid var(--accent);
  padding: 0.8rem 1.1rem; margin: 1rem 0 1.4rem; border-radius: 4px; }
.claim p { margin: 0.25rem 0; }
.claim .label { font-size: 0.75rem; text-transform: uppercase; letter-spacing: 0.08em;
  color: var(--muted); }
.claim p:nth-child(2) { font-size: 1.12rem; font-style: italic; }
.badge { display: inline-block; font-size: 0.75rem; font-weight: 600; letter-spacing: 0.04em;
  text-transform: uppercase; color: #fff; padding: 0.12em 0.55em; border-radius: 999px;
  margin-right: 0.35rem; vertical-align: 0.1em; white-space: nowrap; }
.badge.holds { background: var(--holds); } .badge.partly { background: var(--partly); }
.badge.does-not-hold { background: var(--fails);
  } .badge.inconclusive { background: var(--inconclusive); }
figure { margin: 1.6rem 0; }
figure img { display: block; width: 100%; height: auto; background: #fff; border-radius: 4px; }
figcaption, caption { font-size: 0.85rem; color: var(--muted); margin-top: 0.5rem;
  line-height: 1.45; text-align: left; }
caption { caption-side: bottom; }
.table-wrap { overflow-x: auto; margin: 1.3rem 0; }
table { border-collapse: collapse; font-size: 0.86rem; width: 100%; }
th, td { text-align: left; padding: 0.35rem 0.6rem; border-bottom: 1px solid var(--rule);
  vertical-align: top; }
th { font-weight: 600; border-bottom: 2px solid #c9ced4; }
td.num { color: var(--muted); width: 2rem; }
.summary table td:last-child { width: 9rem; }
.equation { margin: 0.6rem 0; overflow-x: auto; font-size: 1.1rem; }
.equation math { display: inline math; math-style: normal; }
td math { math-style: normal; }
section > h3 { margin: 2rem 0 0.4rem; }
.reproduce { font-size: 0.82rem; color: var(--muted); margin-top: 1.4rem; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(21rem, 1fr)); gap: 1rem; }
.card { background: #fff; border: 1px solid var(--rule); border-radius: 6px;
  padding: 0.9rem 1rem; }
.card .summary-line { font-size: 0.92rem; margin: 0 0 0.4rem; color: #333; }
.card .equation { font-size: 1rem; margin: 0.2rem 0; }
.card .plot svg { display: block; margin: 0.4rem auto; max-width: 100%; height: auto; }
.card .plot .axis { stroke: #9aa3ab; stroke-width: 1; }
.card dl { display: grid; grid-template-columns: auto 1fr; gap: 0.15rem 0.7rem;
  font-size: 0.8rem; margin: 0.5rem 0; }
.card dt { color: var(--muted); } .card dd { margin: 0; }
.card .ref { font-size: 0.78rem; color: var(--muted); margin: 0.3rem 0 0;
  overflow-wrap: anywhere; }
footer { margin-top: 3.5rem; padding-top: 1rem; border-top: 1px solid var(--rule);
  font-size: 0.85rem; color: var(--muted); }
@media print { body { background: #fff; } .card { break-inside: avoid; } }
"""
