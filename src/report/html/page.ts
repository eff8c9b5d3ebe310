/** The HTML around the charts: escaping, tables, sections and the page itself (inline CSS only). */

const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function esc(text: string | number | boolean | null | undefined): string {
  return String(text ?? "").replace(/[&<>"']/g, (ch) => ENTITIES[ch] as string);
}

/** A table of text cells (escaped here); numeric-looking cells are right-aligned by the CSS. */
export function table(headers: readonly string[], rows: readonly (readonly (string | number | null)[])[], caption?: string): string {
  const head = `<tr>${headers.map((h) => `<th>${esc(h)}</th>`).join("")}</tr>`;
  const body = rows.map((r) => `<tr>${r.map((c) => `<td${numeric(c) ? ' class="n"' : ""}>${esc(c ?? "")}</td>`).join("")}</tr>`).join("\n");
  const cap = caption ? `<caption>${esc(caption)}</caption>` : "";
  return `<div class="scroll"><table>${cap}<thead>${head}</thead><tbody>${body}</tbody></table></div>`;
}

const numeric = (c: string | number | null) => typeof c === "number" || (typeof c === "string" && /^[+−-]?[\d.]+/.test(c));

export function list(items: readonly string[]): string {
  return items.length === 0 ? "" : `<ul>${items.map((i) => `<li>${esc(i)}</li>`).join("")}</ul>`;
}

export function paragraph(text: string, cls?: string): string {
  return text === "" ? "" : `<p${cls ? ` class="${cls}"` : ""}>${esc(text)}</p>`;
}

/** A block folded away until clicked (native <details>, no script). */
export function folded(summary: string, body: string, open = false): string {
  return `<details${open ? " open" : ""}><summary>${esc(summary)}</summary>${body}</details>`;
}

export function section(id: string, title: string, body: string): string {
  return `<section id="${esc(id)}"><h2>${esc(title)}</h2>\n${body}\n</section>`;
}

/** A rendered chart: its static SVG, what it shows and how to read it, and its numbers below (folded: a click opens them, no script needed). */
export function figure(id: string, title: string, svg: string, howToRead: string, numbers: string): string {
  const table = numbers === "" ? "" : `<details class="numbers"><summary>The numbers</summary>${numbers}</details>`;
  return `<figure class="chart" data-chart="${esc(id)}"><figcaption><h3>${esc(title)}</h3><p>${esc(howToRead)}</p></figcaption>
<div class="svg">${svg}</div>
${table}</figure>`;
}

/** The one line that stands where a chart with no data for this report would have been. */
export function missing(id: string, title: string, why: string): string {
  return `<p class="missing" data-missing="${esc(id)}"><strong>${esc(title)}</strong>: not drawn, ${esc(why)}.</p>`;
}

const CSS = `
:root { color-scheme: light; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --bg-alt: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: #fff; }
header, main { max-width: 1400px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 20px; border-bottom: 1px solid var(--line); }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 28px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 15px; margin: 0 0 2px; }
nav a { margin-right: 12px; color: #0969da; text-decoration: none; }
figure.chart { margin: 16px 0 28px; }
figcaption p, .muted, caption { color: var(--muted); margin: 0 0 6px; }
.svg { overflow-x: auto; }
.svg svg { max-width: none; }
.scroll { overflow-x: auto; margin: 8px 0; }
table { border-collapse: collapse; font-size: 12px; font-variant-numeric: tabular-nums; }
caption { text-align: left; font-size: 12px; padding: 2px 0; }
th, td { border: 1px solid var(--line); padding: 3px 7px; text-align: left; vertical-align: top; }
th { background: var(--bg-alt); font-weight: 600; white-space: nowrap; }
td.n { text-align: right; white-space: nowrap; }
tr.differs td { background: #fff8c5; }
.missing { color: var(--muted); font-style: italic; }
.verdict-regression { color: #cf222e; font-weight: 600; }
.verdict-improvement { color: #1a7f37; font-weight: 600; }
pre { background: var(--bg-alt); padding: 10px; overflow-x: auto; font-size: 12px; }
details { margin: 8px 0; }
summary { cursor: pointer; font-weight: 600; }
details.numbers > summary { font-weight: 500; color: #0969da; }
li details { margin: 0 0 4px; }
li details > summary { font-weight: 400; color: var(--muted); }
@media print { details { display: block; } }
`;

export function page(title: string, subtitle: string, nav: readonly [string, string][], sections: readonly string[]): string {
  const links = nav.map(([id, text]) => `<a href="#${esc(id)}">${esc(text)}</a>`).join("");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body>
<header><h1>${esc(title)}</h1><p class="muted">${esc(subtitle)}</p><nav>${links}</nav></header>
<main>
${sections.join("\n")}
</main>
</body>
</html>
`;
}
