/** The trial table: sortable, filtered by state, with params, value, source, prediction, acquisition and times. */
import { el, fmt, fmtTime, fmtValue } from './dom.js';
import { sortableTable, type Column } from './table.js';
import type { Study, Trial, TrialState } from './types.js';

const STATES: TrialState[] = ['completed', 'pending', 'failed', 'stopped', 'stale'];

export function trialTable(study: Study): { element: HTMLElement; update(trials: Trial[]): void } {
  const columns: Column<Trial>[] = [
    { label: '#', value: (t) => t.number, numeric: true },
    { label: 'State', value: (t) => t.state, cell: (t) => el('span', { class: `state state-${t.state}` }, t.state) },
    { label: 'Value', value: (t) => t.value ?? null, cell: (t) => fmt(t.value), numeric: true },
    ...study.parameters.map((p): Column<Trial> => ({ label: p.name, value: (t) => (typeof t.params[p.name] === 'number' ? (t.params[p.name] as number) : String(t.params[p.name])), cell: (t) => fmtValue(t.params[p.name]), numeric: p.type !== 'categorical' })),
    { label: 'Source', value: (t) => t.source },
    { label: 'Predicted', value: (t) => t.prediction?.mean ?? null, cell: (t) => (t.prediction ? `${fmt(t.prediction.mean)} ± ${fmt(t.prediction.std)}` : '–'), numeric: true },
    { label: 'log EI', value: (t) => t.acquisition ?? null, cell: (t) => fmt(t.acquisition), numeric: true },
    { label: 'Created', value: (t) => t.createdAt, cell: (t) => fmtTime(t.createdAt) },
    { label: 'Completed', value: (t) => t.completedAt ?? null, cell: (t) => fmtTime(t.completedAt) },
    { label: 'Failure', value: (t) => t.failureReason ?? null, cell: (t) => t.failureReason ?? '' },
  ];
  const table = sortableTable<Trial>({ columns, caption: 'Trials', rowKey: (t) => t.id, pageSize: 100, id: 'trial-table' });
  const filter = el('select', { id: 'state-filter' }, el('option', { value: '' }, 'all states'), ...STATES.map((s) => el('option', { value: s }, s)));
  let trials: Trial[] = [];
  const show = () => table.update(filter.value ? trials.filter((t) => t.state === filter.value) : trials);
  filter.addEventListener('change', show);
  return {
    element: el('div', {}, el('div', { class: 'toolbar' }, el('label', { for: 'state-filter' }, 'Show'), filter), table.element),
    update(next) {
      trials = next;
      show();
    },
  };
}
