/**
 * The dashboard: a hash router over two pages (the studies, one study), each polling the
 * API while it is shown. A 401 from the API shows the key form instead of the page.
 */
import { ApiError, KeyRequired, storeKey } from './api.js';
import { el } from './dom.js';
import { studiesPage } from './studies.js';
import { studyPage } from './study.js';
import './style.css';

export type Page = { stop(): void };
export type PageContext = { main: HTMLElement; failed(error: unknown): void; status(text: string): void };

const main = document.getElementById('main') as HTMLElement;
const statusLine = document.getElementById('status') as HTMLElement;
let current: Page | undefined;

function keyForm(refused: boolean): HTMLElement {
  const input = el('input', { id: 'api-key', type: 'password', autocomplete: 'off', required: true });
  const form = el(
    'form',
    { class: 'key-form', 'aria-labelledby': 'key-title' },
    el('h1', { id: 'key-title' }, 'API key'),
    el('p', {}, refused ? 'The server refused that key. Enter another.' : 'This server requires an API key. It is kept in this tab only, and sent as a bearer token.'),
    el('label', { for: 'api-key' }, 'Key'),
    input,
    el('button', { type: 'submit' }, 'Continue'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    storeKey(input.value.trim());
    route();
  });
  queueMicrotask(() => input.focus());
  return form;
}

function failed(error: unknown): void {
  if (error instanceof KeyRequired) {
    current?.stop();
    current = undefined;
    storeKey(null);
    main.replaceChildren(keyForm(error.hadKey));
    return;
  }
  const text = error instanceof ApiError ? `${error.problem.code}: ${error.message}` : String(error);
  statusLine.textContent = `Error: ${text}`;
}

function route(): void {
  current?.stop();
  main.replaceChildren();
  statusLine.textContent = '';
  const ctx: PageContext = { main, failed, status: (text) => (statusLine.textContent = text) };
  const study = /^#\/studies\/([^/]+)$/.exec(location.hash);
  current = study ? studyPage(ctx, decodeURIComponent(study[1]!)) : studiesPage(ctx);
}

window.addEventListener('hashchange', route);
route();
