/** The studies list: name, goal, algorithm, trials by state, best value, last activity; search and sort; polled. */
import { getJson, ApiError } from './api.js';
import { el, fmt, fmtTime } from './dom.js';
import type { Page, PageContext } from './main.js';
import { sortableTable, type Column } from './table.js';
import type { Study, Trial } from './types.js';

export const POLL_MS = 2000;

type Row = Study & { best?: number };

async function allStudies(): Promise<Study[]> {
  const studies: Study[] = [];
  let cursor: string | null = null;
  do {
    const page: { studies: Study[]; nextCursor: string | null } = await getJson(`/v1/studies?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    studies.push(...page.studies);
    cursor = page.nextCursor;
  } while (cursor);
  return studies;
}

const columns: Column<Row>[] = [
  { label: 'Name', value: (s) => s.name, cell: (s) => el('a', { href: `#/studies/${encodeURIComponent(s.id)}` }, s.name) },
  { label: 'Goal', value: (s) => s.objective.goal },
  { label: 'Algorithm', value: (s) => s.options.algorithm ?? 'gp' },
  { label: 'State', value: (s) => s.state },
  { label: 'Completed', value: (s) => s.trialCounts.completed, numeric: true },
  { label: 'Running', value: (s) => s.trialCounts.pending, numeric: true },
  { label: 'Failed', value: (s) => s.trialCounts.failed, numeric: true },
  { label: 'Stopped', value: (s) => s.trialCounts.stopped, numeric: true },
  { label: 'Total', value: (s) => s.trialCounts.total, numeric: true },
  { label: 'Best value', value: (s) => s.best ?? null, cell: (s) => fmt(s.best), numeric: true },
  { label: 'Last activity', value: (s) => s.lastActivityAt ?? null, cell: (s) => fmtTime(s.lastActivityAt) },
  { label: 'Created', value: (s) => s.createdAt, cell: (s) => fmtTime(s.createdAt) },
];

export function studiesPage(ctx: PageContext): Page {
  const search = el('input', { id: 'study-search', type: 'search', placeholder: 'Filter by name' });
  const table = sortableTable<Row>({ columns, caption: 'Studies', rowKey: (s) => s.id, pageSize: 100 });
  ctx.main.append(
    el('h1', {}, 'Studies'),
    el('div', { class: 'toolbar' }, el('label', { for: 'study-search' }, 'Search'), search),
    table.element,
  );
  /** Best value by study, with the completed count it was read at. */
  const bests = new Map<string, { completed: number; best: number | undefined }>();
  let rows: Row[] = [];
  const show = () => {
    const q = search.value.trim().toLowerCase();
    table.update(rows.filter((s) => s.name.toLowerCase().includes(q)));
  };
  search.addEventListener('input', show);
  let stopped = false;
  const bestOf = async (s: Study): Promise<number | undefined> => {
    const known = bests.get(s.id);
    if (known && known.completed === s.trialCounts.completed) return known.best;
    let best: number | undefined;
    try {
      best = s.trialCounts.completed > 0 ? (await getJson<Trial>(`/v1/studies/${encodeURIComponent(s.id)}/best`)).value : undefined;
    } catch (error) {
      if (!(error instanceof ApiError && error.problem.status === 404)) throw error;
    }
    bests.set(s.id, { completed: s.trialCounts.completed, best });
    return best;
  };
  const poll = async () => {
    try {
      const studies = await allStudies();
      rows = await Promise.all(studies.map(async (s) => ({ ...s, best: await bestOf(s) })));
      if (stopped) return;
      show();
      ctx.status(`${rows.length} studies · updated ${new Date().toLocaleTimeString()}`);
    } catch (error) {
      ctx.failed(error);
    }
  };
  void poll();
  const timer = setInterval(() => void poll(), POLL_MS);
  return { stop: () => ((stopped = true), clearInterval(timer)) };
}
