/**
 * ECharts, tree-shaken to the series the dashboard draws, and one chart box per panel that
 * keeps its chart and replaces its option on each update. Colours are Okabe–Ito (told apart
 * with the common colour-vision deficiencies), and every state also has its own marker shape.
 */
import { BarChart, HeatmapChart, LineChart, ParallelChart, ScatterChart } from 'echarts/charts';
import {
  AriaComponent, DataZoomComponent, GridComponent, LegendComponent, ParallelComponent, TooltipComponent, VisualMapComponent,
} from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { el } from './dom.js';

echarts.use([
  BarChart, HeatmapChart, LineChart, ParallelChart, ScatterChart,
  AriaComponent, DataZoomComponent, GridComponent, LegendComponent, ParallelComponent, TooltipComponent, VisualMapComponent,
  CanvasRenderer,
]);

export const COLORS = { completed: '#0072B2', best: '#D55E00', failed: '#CC79A7', stopped: '#595959', band: '#56B4E9', mean: '#0072B2', curve: '#009E73' };
/** Viridis stops: perceptually ordered, and readable in grey too. */
export const SEQUENTIAL = ['#440154', '#3b528b', '#21918c', '#5ec962', '#fde725'];

export type EChartsOption = echarts.EChartsCoreOption;

export type ChartBox = { element: HTMLElement; set(option: EChartsOption | null, note?: string): void; dispose(): void };

/**
 * A titled panel with a chart. `set(null, note)` shows the note instead of a chart (no data
 * yet, or the model is unavailable). The chart is labelled for screen readers by the title,
 * and ECharts' aria module describes its data.
 */
export function chartBox(id: string, title: string, description: string, height = 320): ChartBox {
  const canvasHolder = el('div', { class: 'chart', role: 'img', 'aria-labelledby': `${id}-title` });
  // CSSOM, not a style attribute: the page's Content-Security-Policy allows no inline style.
  canvasHolder.style.height = `${height}px`;
  const note = el('p', { class: 'note', hidden: true });
  const element = el('section', { class: 'panel', id, 'aria-labelledby': `${id}-title` }, el('h2', { id: `${id}-title` }, title), el('p', { class: 'help' }, description), note, canvasHolder);
  let chart: echarts.ECharts | undefined;
  const onResize = () => chart?.resize();
  window.addEventListener('resize', onResize);
  return {
    element,
    set(option, text) {
      note.hidden = text === undefined;
      note.textContent = text ?? '';
      canvasHolder.hidden = option === null;
      if (option === null) return;
      chart ??= echarts.init(canvasHolder, undefined, { renderer: 'canvas' });
      // NOTE: tooltips drawn on the canvas: ECharts' HTML tooltips carry style attributes, which the CSP refuses (decision 0022).
      const tooltip = option.tooltip ? { tooltip: { ...(option.tooltip as object), renderMode: 'richText' } } : {};
      chart.setOption({ aria: { enabled: true }, animation: false, ...option, ...tooltip }, { notMerge: true });
    },
    dispose() {
      window.removeEventListener('resize', onResize);
      chart?.dispose();
    },
  };
}
