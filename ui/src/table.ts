/**
 * A table that sorts by any column (a button in each header, so keyboards reach it) and
 * shows one page of rows at a time, so that 5,000 trials stay quick to render.
 */
import { el } from './dom.js';

export type Column<R> = {
  label: string;
  /** What the column sorts by (null sorts last). */
  value: (row: R) => string | number | null;
  /** The cell's content; default: the value as text. */
  cell?: (row: R) => Node | string;
  numeric?: boolean;
};

export type SortableTable<R> = { element: HTMLElement; update(rows: R[]): void };

function compare(a: string | number | null, b: string | number | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b));
}

export function sortableTable<R>(options: { columns: Column<R>[]; caption: string; rowKey: (r: R) => string; pageSize: number; id?: string }): SortableTable<R> {
  const { columns, pageSize } = options;
  let rows: R[] = [];
  let sortBy = -1;
  let descending = false;
  let page = 0;
  const body = el('tbody');
  const pager = el('div', { class: 'pager' });
  const headers = columns.map((c, i) => {
    const button = el('button', { type: 'button', class: 'sort' }, c.label);
    button.addEventListener('click', () => {
      descending = sortBy === i ? !descending : false;
      sortBy = i;
      page = 0;
      render();
    });
    return el('th', { scope: 'col', class: c.numeric ? 'num' : undefined }, button);
  });
  const table = el('table', { id: options.id }, el('caption', { class: 'visually-hidden' }, options.caption), el('thead', {}, el('tr', {}, ...headers)), body);

  const render = () => {
    headers.forEach((th, i) => th.setAttribute('aria-sort', i === sortBy ? (descending ? 'descending' : 'ascending') : 'none'));
    const sorted = sortBy < 0 ? rows : [...rows].sort((a, b) => {
      const c = compare(columns[sortBy]!.value(a), columns[sortBy]!.value(b));
      return descending ? -c : c;
    });
    const pages = Math.max(1, Math.ceil(sorted.length / pageSize));
    page = Math.min(page, pages - 1);
    const shown = sorted.slice(page * pageSize, (page + 1) * pageSize);
    body.replaceChildren(
      ...shown.map((r) =>
        el('tr', { 'data-key': options.rowKey(r) }, ...columns.map((c) => el('td', { class: c.numeric ? 'num' : undefined }, c.cell ? c.cell(r) : String(c.value(r) ?? '–')))),
      ),
    );
    const prev = el('button', { type: 'button', disabled: page === 0 }, 'Previous');
    const next = el('button', { type: 'button', disabled: page >= pages - 1 }, 'Next');
    prev.addEventListener('click', () => ((page -= 1), render()));
    next.addEventListener('click', () => ((page += 1), render()));
    const from = sorted.length === 0 ? 0 : page * pageSize + 1;
    pager.replaceChildren(...(pages > 1 ? [prev, next] : []), el('span', {}, `${from}–${page * pageSize + shown.length} of ${sorted.length}`));
  };

  return {
    element: el('div', { class: 'table-wrap' }, table, pager),
    update(next) {
      rows = next;
      render();
    },
  };
}
