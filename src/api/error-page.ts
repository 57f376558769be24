/**
 * The `/docs/errors` page: the introduction of docs/errors.md, then the catalogue of
 * src/domain/errors.ts as a table with one row per code. Each row's id is the fragment of
 * the code's problem `type` (problem.ts), so `/docs/errors#invalid-search-space` lands on
 * its row. The page loads nothing but its stylesheet from this server, so it works under
 * the Content-Security-Policy of /docs pages (no inline script or style).
 */
import { errorCatalogue, type ErrorCode } from '../domain/errors.js';
import { problemAnchor } from './problem.js';

const escapeHtml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

/** Escaped text with its `code spans` as <code>. */
const inlineHtml = (text: string) => escapeHtml(text).replace(/`([^`]+)`/g, '<code>$1</code>');

/**
 * The Markdown of the introduction as HTML: `#` headings, fenced code blocks and paragraphs
 * with code spans. NOTE: written by hand rather than taking a Markdown library, because it
 * renders one file of ours that uses nothing else; meta.test.ts fails when other Markdown
 * shows up on the page, which is the time to take a library.
 */
function introHtml(markdown: string): string {
  const lines = markdown.split('\n');
  const blocks: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    const heading = /^(#{1,6}) (.+)$/.exec(line);
    if (line.trim() === '') {
      i += 1;
    } else if (line.startsWith('```')) {
      const end = lines.indexOf('```', i + 1);
      if (end < 0) throw new Error('docs/errors.md: a fenced code block is not closed');
      blocks.push(`<pre><code>${escapeHtml(lines.slice(i + 1, end).join('\n'))}</code></pre>`);
      i = end + 1;
    } else if (heading) {
      const level = heading[1]!.length;
      blocks.push(`<h${level}>${inlineHtml(heading[2]!)}</h${level}>`);
      i += 1;
    } else {
      const start = i;
      while (i < lines.length && lines[i]!.trim() !== '' && !/^(```|#)/.test(lines[i]!)) i += 1;
      blocks.push(`<p>${inlineHtml(lines.slice(start, i).join('\n'))}</p>`);
    }
  }
  return blocks.join('\n');
}

function catalogueRows(): string {
  return Object.entries(errorCatalogue)
    .map(([code, { status, title }]) => {
      const id = problemAnchor(code as ErrorCode);
      return `<tr id="${id}"><td><a href="#${id}"><code>${code}</code></a></td><td>${status}</td><td>${escapeHtml(title)}</td></tr>`;
    })
    .join('\n');
}

/**
 * The page, from the text of docs/errors.md: its introduction (everything before its table,
 * which test/domain/errors.test.ts holds equal to the catalogue) and the catalogue itself.
 */
export function errorsPage(errorsMarkdown: string): string {
  const table = errorsMarkdown.search(/^\|/m);
  if (table < 0) throw new Error('docs/errors.md: the catalogue table is missing');
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Posterior errors</title>
  <link rel="stylesheet" href="/docs/errors.css">
</head>
<body>
<main>
${introHtml(errorsMarkdown.slice(0, table))}
<table>
<thead><tr><th>code</th><th>status</th><th>title</th></tr></thead>
<tbody>
${catalogueRows()}
</tbody>
</table>
<p>The API reference: <a href="/docs">/docs</a>.</p>
</main>
</body>
</html>
`;
}

/** Served at /docs/errors.css; `:target` marks the row a problem's `type` led to. */
export const ERRORS_STYLESHEET = `body { margin: 0; color: #1b1b1b; font: 16px/1.5 system-ui, sans-serif; }
main { max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }
code, pre { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 0.9em; }
pre { padding: 0.75rem 1rem; overflow-x: auto; background: #f4f4f4; }
table { width: 100%; border-collapse: collapse; }
th, td { padding: 0.35rem 0.75rem; border-bottom: 1px solid #ddd; text-align: left; vertical-align: top; }
tr:target { background: #fff3c4; }
a { color: #0b57d0; }
td a { color: inherit; text-decoration: none; }
td a:hover { text-decoration: underline; }
`;
