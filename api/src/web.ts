// The dashboard (web/), built by Vite into dist/web at `npm run build`, served by the API process at `/`
// so that it talks to the API on the same origin. Hashed assets are cached for good; index.html is not,
// so a new build is picked up at the next load.

import { existsSync } from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import sirv from 'sirv';

export type WebHandler = (req: http.IncomingMessage, res: http.ServerResponse, next: () => void) => void;

/** dist/web relative to this compiled file (dist/api/src/web.js), whatever the output folder. */
export const DEFAULT_WEB_ROOT = path.resolve(__dirname, '..', '..', 'web');

/**
 * A handler for the dashboard's files, or undefined when it was not built (the API then answers `/`
 * with GraphiQL). Unknown paths without an extension fall back to index.html, so that the dashboard's
 * own routes survive a reload.
 */
export function webHandler(root: string = DEFAULT_WEB_ROOT): WebHandler | undefined {
  if (!existsSync(path.join(root, 'index.html'))) return undefined;
  return sirv(root, {
    single: true,
    dev: false,
    etag: true,
    gzip: false,
    brotli: false,
    setHeaders: (res, pathname) => {
      res.setHeader(
        'cache-control',
        pathname.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
    },
  });
}
