// Vite build of the dashboard: root web/, output <repo>/dist/web, which the API process serves at `/`.
// Everything is bundled; nothing is loaded from another origin at run time.
// `npm run web:dev` serves it with hot reload and forwards /graphql (HTTP and WebSocket) to an API
// started with `npm start` (API_URL, default http://127.0.0.1:4000).

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));
const api = process.env.API_URL ?? 'http://127.0.0.1:4000';

export default defineConfig({
  root: here,
  base: '/',
  plugins: [react()],
  build: {
    outDir: path.resolve(here, '..', 'dist', 'web'),
    emptyOutDir: true,
    sourcemap: true,
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 800,
  },
  server: {
    host: '127.0.0.1',
    proxy: { '/graphql': { target: api, ws: true, changeOrigin: true } },
  },
});
