"""The style sheet of every report page (chapter pages, summary, report.html): one place, no
pandas, so the page renderer in a pool worker reads it without the report's data stack."""

from __future__ import annotations

REPORT_CSS = """
.pe-report { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei",
  "PingFang SC", "Helvetica Neue", Arial, sans-serif; line-height: 1.55; color: #111; }
.pe-report h1 { font-size: 1.6em; margin: 0.4em 0; line-height: 1.3; }
.pe-report h2 { font-size: 1.3em; border-bottom: 2px solid #2b6cb0; padding-bottom: 0.15em;
  margin-top: 1.4em; }
.pe-report h3 { font-size: 1.1em; margin-top: 1.1em; }
.pe-report h4 { font-size: 1em; margin: 0.9em 0 0.3em 0; }
.pe-nav { display: flex; flex-wrap: wrap; gap: 0.2em 1em; font-size: 0.9em; margin: 0 0 0.6em 0;
  padding: 0.4em 0; border-bottom: 1px solid #d0d7e2; }
.pe-nav a { color: #1d4f91; text-decoration: none; }
.pe-nav a:hover { text-decoration: underline; }
.pe-nav [aria-current] { font-weight: bold; color: #111; }
.pe-banner { background: #fff3cd; border: 2px solid #d39e00; color: #5c4400; padding: 0.6em 1em;
  font-weight: bold; margin: 0.6em 0; }
.pe-headline { font-size: 1.15em; font-weight: bold; padding: 0.5em 0.8em;
  border-left: 6px solid #2b6cb0; background: #eef4fb; }
.pe-headline.pe-behind { border-left-color: #d7301f; background: #fdeeea; }
.pe-table-wrap { max-width: 100%; overflow-x: auto; margin: 0.5em 0 1em 0; }
.pe-table { border-collapse: collapse; font-size: 0.92em; }
.pe-table th, .pe-table td { border: 1px solid #c8c8c8; padding: 0.25em 0.5em;
  vertical-align: top; text-align: left; overflow-wrap: break-word; }
.pe-table th { background: #f0f0f0; }
.pe-table .pe-num, .pe-table td.pe-num { text-align: right; white-space: nowrap; }
.pe-table th.pe-num { white-space: normal; }
.pe-table .pe-c-sev, .pe-table .pe-c-grade, .pe-table .pe-c-outlook { white-space: nowrap; }
.pe-table .pe-c-name { min-width: 10em; }
.pe-table .pe-c-text { min-width: 12em; }
.pe-table .pe-c-level { min-width: 4.5em; }
.pe-table .pe-c-actual { min-width: 6.5em; }
.pe-indicators, .pe-group, .pe-qa, .pe-baseline { width: 100%; }
.pe-narrow-only { display: none; }
.pe-badge { display: inline-block; padding: 0.05em 0.5em; border-radius: 0.6em;
  white-space: nowrap; font-size: 0.95em; }
.pe-meta { color: #444; font-size: 0.9em; }
.pe-note { color: #444; font-size: 0.9em; }
.pe-figure { margin: 0.6em 0 1.2em 0; page-break-inside: avoid; break-inside: avoid; }
.pe-figure img { max-width: 100%; height: auto; }
.pe-figure figcaption { color: #333; font-size: 0.9em; margin-top: 0.2em; }
@media screen and (max-width: 700px) {
  .pe-report h1 { font-size: 1.3em; }
  .pe-table { font-size: 0.85em; }
  .pe-table th, .pe-table td { padding: 0.2em 0.3em; }
  .pe-table .pe-c-name { min-width: 6.5em; }
  .pe-table .pe-c-grade, .pe-table .pe-c-outlook { min-width: 4.8em; white-space: normal; }
  .pe-table .pe-c-actual { min-width: 4em; }
  .pe-narrow-hide { display: none; }
  .pe-narrow-only { display: inline; }
  .pe-badge { white-space: normal; padding: 0.05em 0.35em; }
  .pe-table-wrap .pe-table th:first-child, .pe-table-wrap .pe-table td:first-child {
    position: sticky; left: 0; z-index: 1; }
  .pe-table-wrap .pe-table td:first-child { background: #fff; }
}
@media screen and (max-width: 480px) {
  .pe-tiny-hide { display: none; }
}
@media print {
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  .pe-report { font-size: 10pt; line-height: 1.45; }
  .pe-report p, .pe-report li { orphans: 3; widows: 3; }
  .pe-method { font-size: 9pt; }
  .pe-nav { display: none; }
  .pe-table-wrap { overflow: visible; }
  .pe-table { font-size: 8.5pt; width: 100%; }
  .pe-table th, .pe-table td { padding: 0.15em 0.3em; }
  .pe-table thead { display: table-header-group; }
  .pe-table tr, .pe-figure, .pe-headline, .pe-report li, .pe-banner {
    page-break-inside: avoid; break-inside: avoid; }
  .pe-tally, .pe-meta-table, .pe-fan-notes { page-break-inside: avoid; break-inside: avoid; }
  .pe-report h1, .pe-report h2, .pe-report h3, .pe-report h4 {
    page-break-after: avoid; break-after: avoid; }
  .pe-indicators, .pe-qa, .pe-group { table-layout: fixed; }
  .pe-group .pe-c-name { width: 30%; }
  .pe-group .pe-c-target { width: 14%; }
  .pe-group .pe-num { width: 10%; }
  .pe-group .pe-c-grade { width: 13%; }
  .pe-table .pe-c-name, .pe-table .pe-c-text, .pe-table .pe-c-level,
  .pe-table .pe-c-actual { min-width: 0; }
  .pe-indicators .pe-c-name { width: 22%; }
  .pe-indicators .pe-c-level, .pe-indicators .pe-c-target, .pe-indicators .pe-num { width: 8%; }
  .pe-indicators .pe-c-actual { width: 11%; }
  .pe-indicators .pe-c-progress { width: 9%; }
  .pe-indicators .pe-c-grade, .pe-indicators .pe-c-outlook { width: 13%; }
  .pe-qa .pe-c-sev, .pe-qa .pe-num { width: 7%; }
  .pe-qa .pe-c-check { width: 14%; }
  .pe-qa .pe-c-loc { width: 22%; }
  .pe-table .pe-c-grade, .pe-table .pe-c-outlook, .pe-table .pe-c-sev { white-space: normal; }
  .pe-badge { white-space: normal; }
  .pe-figure img { max-height: 17cm; }
  a { color: #111; text-decoration: none; }
}
"""
