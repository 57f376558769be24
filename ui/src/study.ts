/**
 * One study: its history, learning curves, the model's slices, contour and importances,
 * parallel coordinates and the trial table. The study is polled every POLL_MS; the trials
 * (the export, with their reports) are read again when its counts change, or while trials
 * run (their reports), and the model views when the completed count changes.
 * NOTE: polling rather than Server-Sent Events: no new endpoint or long-lived connection through
 * the key check and the rate limiter (decision 0022).
 */
import { ApiError, download, getJson } from './api.js';
import { chartBox, type ChartBox } from './charts.js';
import { el, fmt, fmtTime } from './dom.js';
import type { Page, PageContext } from './main.js';
import { contourOption, curvesOption, historyOption, importancesOption, parallelOption, sliceOption } from './panels.js';
import { POLL_MS } from './studies.js';
import { trialTable } from './trials-table.js';
import type { Importances, ModelContour, ModelSlice, Study, Trial } from './types.js';

export const FIRST_RENDER = 'posterior:first-render';

const IMPORTANCE_HELP =
  'Relevance of each parameter to the Gaussian-process model: 1/ℓ, the inverse of its fitted lengthscale on the unit-scaled axis, normalized to sum to 1. ' +
  'A large value means the predicted objective changes quickly along that parameter. It is not a variance decomposition.';

/** The model's answer, or the reason it has none yet, as a note. */
async function modelView<T>(path: string): Promise<T | string> {
  try {
    return await getJson<T>(path);
  } catch (error) {
    if (error instanceof ApiError && [404, 429, 503].includes(error.problem.status)) return error.message;
    throw error;
  }
}

type Panels = { history: ChartBox; curves: ChartBox; importances: ChartBox; contour: ChartBox; parallel: ChartBox; slices: Map<string, ChartBox> };

function layout(ctx: PageContext, study: Study, panels: Panels, table: HTMLElement, summary: HTMLElement): void {
  const exportButton = el('button', { type: 'button' }, 'Download CSV');
  exportButton.addEventListener('click', () => void download(`/v1/studies/${encodeURIComponent(study.id)}/export?format=csv`, `${study.name}.csv`).catch(ctx.failed));
  const sliceGrid = el('div', { class: 'slices' }, ...[...panels.slices.values()].map((b) => b.element));
  ctx.main.append(
    el('p', {}, el('a', { href: '#/' }, '← All studies')),
    el('h1', {}, study.name),
    summary,
    el('div', { class: 'grid two' }, panels.history.element, panels.curves.element),
    el('div', { class: 'grid two' }, panels.importances.element, panels.contour.element),
    el('section', { class: 'panel', 'aria-labelledby': 'slices-title' }, el('h2', { id: 'slices-title' }, 'Slices through the best trial'),
      el('p', { class: 'help' }, "The model's predicted mean (line) and ±2σ band along each parameter, every other parameter held at the best trial's value; dots are completed trials."), sliceGrid),
    panels.parallel.element,
    el('section', { class: 'panel', 'aria-labelledby': 'trials-title' }, el('h2', { id: 'trials-title' }, 'Trials'), el('div', { class: 'toolbar' }, exportButton), table),
  );
}

function createPanels(study: Study): Panels {
  return {
    history: chartBox('history', 'Optimization history', 'Completed trials (circles), the best value so far (line), failed (diamonds) and stopped (triangles) trials.'),
    curves: chartBox('curves', 'Learning curves', 'Intermediate values reported by each trial against its step; stopped trials are grey and dashed.'),
    importances: chartBox('importances', 'Parameter importances', IMPORTANCE_HELP, 260),
    contour: chartBox('contour', 'Model contour', 'The predicted mean of the two most important parameters, others held at the best trial.', 360),
    parallel: chartBox('parallel', 'Parallel coordinates', 'Every completed trial as a line through its parameter values, coloured by its value.', 360),
    slices: new Map(study.parameters.map((q) => [q.name, chartBox(`slice-${q.name.replace(/\W/g, '_')}`, q.name, '', 220)])),
  };
}

function summaryOf(study: Study, trials: Trial[]): Node[] {
  const c = study.trialCounts;
  const values = trials.filter((t) => t.state === 'completed').map((t) => t.value!);
  const best = values.length === 0 ? undefined : study.objective.goal === 'minimize' ? Math.min(...values) : Math.max(...values);
  const item = (k: string, v: string) => el('div', {}, el('dt', {}, k), el('dd', {}, v));
  return [
    item('Goal', `${study.objective.goal} ${study.objective.name ?? ''}`),
    item('Algorithm', study.options.algorithm ?? 'gp'),
    item('State', study.state),
    item('Best value', fmt(best)),
    item('Last activity', fmtTime(study.lastActivityAt)),
    item('Trials', `${c.completed} completed · ${c.pending} running · ${c.failed} failed · ${c.stopped} stopped · ${c.stale} stale`),
  ];
}

export function studyPage(ctx: PageContext, studyId: string): Page {
  const base = `/v1/studies/${encodeURIComponent(studyId)}`;
  let stopped = false;
  let panels: Panels | undefined;
  let table: ReturnType<typeof trialTable> | undefined;
  const summary = el('dl', { class: 'summary' });
  let trials: Trial[] = [];
  let seenCounts = '';
  let seenCompleted = -1;
  let polls = 0;

  const refreshModel = async (study: Study, p: Panels) => {
    const imp = await modelView<Importances>(`${base}/importances`);
    // One at a time: the server computes a study's views in turn anyway, and bounds how many wait.
    const slices: (ModelSlice | string)[] = [];
    for (const q of study.parameters) slices.push(await modelView<ModelSlice>(`${base}/model/slice?parameter=${encodeURIComponent(q.name)}&points=40`));
    const top = typeof imp === 'string' ? [] : [...imp.importances].sort((a, b) => b.importance - a.importance).slice(0, 2).map((i) => i.parameter);
    const contour = top.length === 2 ? await modelView<ModelContour>(`${base}/model/contour?x=${encodeURIComponent(top[0]!)}&y=${encodeURIComponent(top[1]!)}&points=30`) : 'The contour needs two parameters.';
    if (stopped) return;
    if (typeof imp === 'string') p.importances.set(null, imp);
    else p.importances.set(importancesOption(imp));
    study.parameters.forEach((q, i) => {
      const s = slices[i]!;
      if (typeof s === 'string') p.slices.get(q.name)!.set(null, s);
      else p.slices.get(q.name)!.set(sliceOption(study, s, trials));
    });
    if (typeof contour === 'string') p.contour.set(null, contour);
    else p.contour.set(contourOption(study, contour, trials), `Predicted mean over ${contour.x} and ${contour.y}, the two most important parameters; white dots are completed trials.`);
  };

  const poll = async () => {
    try {
      const study = await getJson<Study>(base);
      if (stopped) return;
      if (!panels) {
        panels = createPanels(study);
        table = trialTable(study);
        layout(ctx, study, panels, table.element, summary);
      }
      const counts = JSON.stringify(study.trialCounts);
      const running = study.trialCounts.pending > 0;
      polls += 1;
      if (counts !== seenCounts || (running && (trials.length < 1000 || polls % 5 === 0))) {
        const exported = await getJson<{ trials: Trial[] }>(`${base}/export?format=json`);
        if (stopped) return;
        trials = exported.trials;
        seenCounts = counts;
        table!.update(trials);
        panels.history.set(historyOption(study, trials));
        // What the first render is timed by (the browser test: at most 2 s for 5,000 trials).
        if (performance.getEntriesByName(FIRST_RENDER).length === 0) performance.mark(FIRST_RENDER);
        // The heavier panels after the table and the history are painted.
        await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
        if (stopped) return;
        const curves = curvesOption(study, trials);
        panels.curves.set(curves, curves ? undefined : 'No trial has reported intermediate values.');
        const parallel = parallelOption(study, trials);
        panels.parallel.set(parallel, parallel ? undefined : 'No completed trial yet.');
      }
      summary.replaceChildren(...summaryOf(study, trials));
      if (study.trialCounts.completed !== seenCompleted) {
        seenCompleted = study.trialCounts.completed;
        await refreshModel(study, panels);
      }
      ctx.status(`${study.trialCounts.total} trials · updated ${new Date().toLocaleTimeString()}`);
    } catch (error) {
      ctx.failed(error);
    }
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  // One poll at a time: the next starts POLL_MS after the last one finished.
  const loop = async () => {
    await poll();
    if (!stopped) timer = setTimeout(() => void loop(), POLL_MS);
  };
  void loop();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
      if (panels) [panels.history, panels.curves, panels.importances, panels.contour, panels.parallel, ...panels.slices.values()].forEach((b) => b.dispose());
    },
  };
}
