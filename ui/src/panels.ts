/** The option of each study panel, from the study's trials and its model views. */
import { COLORS, SEQUENTIAL, type EChartsOption } from './charts.js';
import { fmtValue } from './dom.js';
import type { Importances, ModelContour, ModelSlice, ParamSpec, ParamValue, Study, Trial } from './types.js';

const axisName = (study: Study) => study.objective.name ?? 'objective';

/** Completed trials as points, the best so far as a step line, failed and stopped trials marked along the bottom. */
export function historyOption(study: Study, trials: Trial[]): EChartsOption {
  const completed = trials.filter((t) => t.state === 'completed' && t.value !== undefined).sort((a, b) => a.number - b.number);
  const sign = study.objective.goal === 'minimize' ? 1 : -1;
  let best = Infinity;
  const bestLine = completed.map((t) => {
    best = Math.min(best, sign * t.value!);
    return [t.number, sign * best];
  });
  const values = completed.map((t) => t.value!);
  const floor = values.length ? Math.min(...values) : 0;
  const marked = (state: 'failed' | 'stopped') =>
    trials.filter((t) => t.state === state).map((t) => [t.number, t.value ?? t.reports?.at(-1)?.value ?? floor]);
  return {
    tooltip: { trigger: 'item' },
    legend: { top: 0 },
    grid: { left: 64, right: 20, top: 40, bottom: 50 },
    xAxis: { type: 'value', name: 'trial', nameLocation: 'middle', nameGap: 28, minInterval: 1 },
    yAxis: { type: 'value', name: axisName(study), nameLocation: 'middle', nameGap: 42, scale: true },
    dataZoom: [{ type: 'inside' }],
    series: [
      { name: 'completed', type: 'scatter', symbol: 'circle', symbolSize: 7, itemStyle: { color: COLORS.completed }, data: completed.map((t) => [t.number, t.value]), large: true },
      { name: 'best so far', type: 'line', step: 'end', showSymbol: false, lineStyle: { width: 2.5, color: COLORS.best }, itemStyle: { color: COLORS.best }, data: bestLine },
      { name: 'failed', type: 'scatter', symbol: 'diamond', symbolSize: 10, itemStyle: { color: COLORS.failed }, data: marked('failed') },
      { name: 'stopped', type: 'scatter', symbol: 'triangle', symbolSize: 10, itemStyle: { color: COLORS.stopped }, data: marked('stopped') },
    ],
  };
}

/** Every trial's reports against step; stopped trials grey and dashed. */
export function curvesOption(study: Study, trials: Trial[]): EChartsOption | null {
  const reported = trials.filter((t) => (t.reports?.length ?? 0) > 0);
  if (reported.length === 0) return null;
  return {
    tooltip: { trigger: 'item', formatter: (p: { seriesName: string; value: number[] }) => `${p.seriesName}: step ${p.value[0]}, ${fmtValue(p.value[1])}` },
    grid: { left: 60, right: 20, top: 20, bottom: 50 },
    xAxis: { type: 'value', name: 'step', nameLocation: 'middle', nameGap: 28 },
    yAxis: { type: 'value', name: axisName(study), scale: true },
    series: reported.map((t) => ({
      name: `trial ${t.number} (${t.state})`,
      type: 'line',
      showSymbol: false,
      data: t.reports!.map((r) => [r.step, r.value]),
      lineStyle: t.state === 'stopped' ? { color: '#8c8c8c', type: 'dashed', width: 1 } : { color: COLORS.curve, width: 1.5 },
      itemStyle: { color: t.state === 'stopped' ? '#8c8c8c' : COLORS.curve },
    })),
  };
}

export function importancesOption(imp: Importances): EChartsOption {
  const sorted = [...imp.importances].sort((a, b) => a.importance - b.importance);
  return {
    tooltip: { trigger: 'axis' },
    grid: { left: 120, right: 30, top: 10, bottom: 30 },
    xAxis: { type: 'value', max: 1 },
    yAxis: { type: 'category', data: sorted.map((i) => i.parameter) },
    series: [{ type: 'bar', itemStyle: { color: COLORS.completed }, data: sorted.map((i) => Number(i.importance.toFixed(4))) }],
  };
}

function axisFor(spec: ParamSpec | undefined): Record<string, unknown> {
  if (spec?.type === 'categorical') return { type: 'category', data: spec.choices.map(String) };
  return { type: spec && 'log' in spec && spec.log ? 'log' : 'value', scale: true };
}

/** Mean and a ±2σ band along one parameter, with the completed trials' values at that parameter. */
export function sliceOption(study: Study, slice: ModelSlice, trials: Trial[]): EChartsOption {
  const spec = study.parameters.find((p) => p.name === slice.parameter);
  const categorical = spec?.type === 'categorical';
  const x = (v: ParamValue) => (categorical ? String(v) : v);
  const lower = slice.points.map((p) => [x(p.value), p.mean - 2 * p.std]);
  const width = slice.points.map((p) => [x(p.value), 4 * p.std]);
  const observed = trials.filter((t) => t.state === 'completed').map((t) => [x(t.params[slice.parameter]!), t.value]);
  const step = categorical ? 'middle' : false;
  return {
    tooltip: { trigger: 'axis' },
    grid: { left: 55, right: 15, top: 20, bottom: 40 },
    xAxis: { ...axisFor(spec), name: slice.parameter, nameLocation: 'middle', nameGap: 25 },
    yAxis: { type: 'value', scale: true },
    series: [
      { name: 'mean − 2σ', type: 'line', data: lower, stack: 'band', stackStrategy: 'all', step, showSymbol: false, lineStyle: { opacity: 0 }, tooltip: { show: false } },
      { name: '±2σ', type: 'line', data: width, stack: 'band', stackStrategy: 'all', step, showSymbol: false, lineStyle: { opacity: 0 }, areaStyle: { color: COLORS.band, opacity: 0.35 }, tooltip: { show: false } },
      { name: 'mean', type: 'line', data: slice.points.map((p) => [x(p.value), p.mean]), step, showSymbol: false, lineStyle: { color: COLORS.mean, width: 2 } },
      { name: 'trials', type: 'scatter', data: observed, symbolSize: 5, itemStyle: { color: '#000', opacity: 0.55 } },
    ],
  };
}

/** Nearest grid index of a value (on the log axis for log parameters). */
function nearest(values: ParamValue[], v: ParamValue, log: boolean): number {
  if (typeof v !== 'number') return values.findIndex((w) => w === v);
  const t = (u: number) => (log ? Math.log(u) : u);
  let best = 0;
  values.forEach((w, i) => {
    if (Math.abs(t(Number(w)) - t(v)) < Math.abs(t(Number(values[best])) - t(v))) best = i;
  });
  return best;
}

/** The predicted mean on the grid, with the completed trials at their nearest grid cell. */
export function contourOption(study: Study, c: ModelContour, trials: Trial[]): EChartsOption {
  const isLog = (name: string) => study.parameters.some((p) => p.name === name && 'log' in p && p.log === true);
  const data = c.mean.flatMap((row, i) => row.map((m, j) => [j, i, m]));
  const means = c.mean.flat();
  const observed = trials
    .filter((t) => t.state === 'completed')
    .map((t) => [nearest(c.xValues, t.params[c.x]!, isLog(c.x)), nearest(c.yValues, t.params[c.y]!, isLog(c.y)), t.value]);
  return {
    tooltip: { trigger: 'item' },
    grid: { left: 80, right: 90, top: 10, bottom: 50 },
    xAxis: { type: 'category', name: c.x, nameLocation: 'middle', nameGap: 30, data: c.xValues.map(fmtValue) },
    yAxis: { type: 'category', name: c.y, data: c.yValues.map(fmtValue) },
    visualMap: { min: Math.min(...means), max: Math.max(...means), calculable: true, right: 0, top: 'middle', inRange: { color: SEQUENTIAL }, seriesIndex: 0, text: ['high', 'low'] },
    series: [
      { name: 'predicted mean', type: 'heatmap', data, progressive: 0 },
      { name: 'trials', type: 'scatter', data: observed, symbolSize: 6, itemStyle: { color: '#fff', borderColor: '#000', borderWidth: 1 } },
    ],
  };
}

/** One axis per parameter and one for the value; lines coloured by value. */
export function parallelOption(study: Study, trials: Trial[]): EChartsOption | null {
  const completed = trials.filter((t) => t.state === 'completed' && t.value !== undefined);
  if (completed.length === 0) return null;
  const values = completed.map((t) => t.value!);
  const axes = [
    ...study.parameters.map((p, dim) => ({ dim, name: p.name, ...axisFor(p) })),
    { dim: study.parameters.length, name: axisName(study), type: 'value', scale: true },
  ];
  return {
    parallelAxis: axes,
    parallel: { left: 50, right: 80, top: 40, bottom: 30 },
    visualMap: { min: Math.min(...values), max: Math.max(...values), dimension: study.parameters.length, inRange: { color: SEQUENTIAL }, right: 0, top: 'middle', calculable: true },
    series: [{
      type: 'parallel', lineStyle: { width: 1, opacity: 0.6 }, progressive: 500,
      data: completed.map((t) => [...study.parameters.map((p) => (p.type === 'categorical' ? String(t.params[p.name]) : t.params[p.name])), t.value]),
    }],
  };
}
