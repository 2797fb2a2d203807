// A GraphiQL served from this process's own node_modules: Apollo's default landing page loads from a
// CDN, which a closed network cannot reach and which leaks requests in production.

import { readFileSync } from 'node:fs';
import path from 'node:path';

const ASSETS: Record<string, { file: string; type: string }> = {
  'react.js': {
    file: path.join(path.dirname(require.resolve('react/package.json')), 'umd', 'react.production.min.js'),
    type: 'text/javascript',
  },
  'react-dom.js': {
    file: path.join(
      path.dirname(require.resolve('react-dom/package.json')),
      'umd',
      'react-dom.production.min.js',
    ),
    type: 'text/javascript',
  },
  'graphiql.js': { file: require.resolve('graphiql/graphiql.min.js'), type: 'text/javascript' },
  'graphiql.css': { file: require.resolve('graphiql/graphiql.min.css'), type: 'text/css' },
};

const cache = new Map<string, Buffer>();

/** The asset under `/graphiql/<name>`, or undefined. */
export function graphiqlAsset(name: string): { body: Buffer; type: string } | undefined {
  const asset = Object.prototype.hasOwnProperty.call(ASSETS, name) ? ASSETS[name] : undefined;
  if (!asset) return undefined;
  let body = cache.get(name);
  if (!body) {
    body = readFileSync(asset.file);
    cache.set(name, body);
  }
  return { body, type: asset.type };
}

/** The page: queries over HTTP, subscriptions over graphql-ws on the same path; the API key from a header. */
export function graphiqlPage(endpointPath: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>MANU-SQUARE ledger API</title>
<link rel="stylesheet" href="/graphiql/graphiql.css">
<style>body{margin:0;height:100vh}#graphiql{height:100vh}</style>
</head>
<body>
<div id="graphiql">Loading GraphiQL…</div>
<script src="/graphiql/react.js"></script>
<script src="/graphiql/react-dom.js"></script>
<script src="/graphiql/graphiql.js"></script>
<script>
  const endpoint = new URL(${JSON.stringify(endpointPath)}, location.href);
  const ws = new URL(endpoint); ws.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const fetcher = GraphiQL.createFetcher({ url: endpoint.href, subscriptionUrl: ws.href,
    wsConnectionParams: () => ({ authorization: (JSON.parse(localStorage.getItem('graphiql:headers') || '{}').Authorization) || '' }) });
  ReactDOM.createRoot(document.getElementById('graphiql')).render(React.createElement(GraphiQL, {
    fetcher, defaultEditorToolsVisibility: true, shouldPersistHeaders: true,
    defaultHeaders: JSON.stringify({ Authorization: 'Bearer <your API key>' }, null, 2),
  }));
</script>
</body>
</html>`;
}
