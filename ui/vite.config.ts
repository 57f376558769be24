/**
 * The dashboard's build: `ui/` → `dist/ui/`, served by the API process at `/` and `/ui/...`
 * (src/api/routes/dashboard.ts). Everything is bundled from npm packages: nothing is loaded
 * from another origin at run time (the page's Content-Security-Policy allows only 'self').
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/ui/',
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../dist/ui', import.meta.url)),
    emptyOutDir: true,
    // One chunk of app code and one of ECharts; neither is inlined as a data: URL or a <script>.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 1200,
    rollupOptions: { output: { manualChunks: (id) => (id.includes('node_modules') ? 'vendor' : undefined) } },
  },
});
