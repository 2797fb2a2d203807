// The latest blocks, newest first, with new ones arriving live through committedBlocks.

import { useState } from 'react';
import {
  WebBlocksDocument,
  WebCommittedBlocksDocument,
  type WebBlocksQuery,
} from '../../../schema/generated/operations';
import { useQuery, useSubscription } from '../api/hooks';
import { Badge, ErrorBox, Hash, LiveDot, Loading, PageHeader, Time, Visibility } from '../components';
import { Link } from '../router';

type BlockRow = WebBlocksQuery['blocks']['nodes'][number];
const KEEP = 50;

export function LedgerPage() {
  const q = useQuery(WebBlocksDocument, { first: 20 });
  const [live, setLive] = useState<BlockRow[]>([]);
  const loaded = q.data?.blocks.nodes ?? [];
  const top = loaded[0]?.number;
  // Live after the newest block the query returned, so no block falls between the query and the stream.
  const liveError = useSubscription(
    WebCommittedBlocksDocument,
    top === undefined ? {} : { after: top },
    ({ committedBlocks: b }) => {
      setLive((l) => (l.some((x) => x.number === b.number) ? l : [b, ...l].slice(0, KEEP)));
    },
    { skip: !q.data },
  );
  const blocks = [...live, ...loaded.filter((b) => !live.some((x) => x.number === b.number))].slice(0, KEEP);
  const height = Math.max(Number(q.data?.meta.ledgerHeight ?? 0), (blocks[0]?.number ?? -1) + 1);

  return (
    <>
      <PageHeader title="Ledger">
        <LiveDot error={liveError} />
      </PageHeader>
      <Visibility>
        Blocks are the channel&apos;s shared record: every member of the channel
        {q.data ? (
          <>
            {' '}
            <code>{q.data.meta.channel}</code>
          </>
        ) : null}{' '}
        sees every block and who submitted each transaction. Entity contents stay behind each page&apos;s own
        access rules.
      </Visibility>
      {q.data ? (
        <div className="stats">
          <div className="stat">
            <span className="stat-label">Height</span>
            <span className="stat-value" data-testid="height">
              {height}
            </span>
            <span className="muted small">blocks</span>
          </div>
          <div className="stat">
            <span className="stat-label">Channel</span>
            <span className="stat-value stat-text">{q.data.meta.channel}</span>
          </div>
          <div className="stat">
            <span className="stat-label">Chaincode</span>
            <span className="stat-value stat-text">{q.data.meta.chaincode}</span>
          </div>
          <div className="stat">
            <span className="stat-label">Arrived live</span>
            <span className="stat-value">{live.length}</span>
            <span className="muted small">since this page opened</span>
          </div>
        </div>
      ) : null}
      <ErrorBox error={q.error} />
      {!q.data && !q.error ? <Loading /> : null}
      {q.data ? (
        <div className="card flush">
          <table className="table" data-testid="blocks">
            <thead>
              <tr>
                <th className="num">Block</th>
                <th>Hash</th>
                <th>Previous hash</th>
                <th className="num">Txs</th>
                <th>Transactions</th>
                <th>Time</th>
              </tr>
            </thead>
            <tbody>
              {blocks.map((b) => {
                const fresh = live.some((x) => x.number === b.number);
                const invalid = b.transactions.filter((t) => t.validationCode !== 'VALID').length;
                return (
                  <tr key={b.number} className={fresh ? 'row-flash' : undefined} data-block={b.number}>
                    <td className="num">
                      <Link to={`/ledger/blocks/${b.number}`} className="strong">
                        #{b.number}
                      </Link>
                    </td>
                    <td>
                      <Hash value={b.hash} />
                    </td>
                    <td>
                      {b.previousHash ? (
                        <Hash value={b.previousHash} />
                      ) : (
                        <span className="muted">— (genesis)</span>
                      )}
                    </td>
                    <td className="num">{b.transactionCount}</td>
                    <td className="fn-list">
                      {summarise(b.transactions.map((t) => t.function ?? t.type))}
                      {invalid > 0 ? <Badge value={`${invalid} invalid`} tone="red" /> : null}
                    </td>
                    <td>
                      <Time iso={b.transactions[0]?.timestamp} />
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : null}
    </>
  );
}

/** "negotiation:createOffer ×2, reading:recordReadings" */
function summarise(names: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const n of names) counts.set(n, (counts.get(n) ?? 0) + 1);
  return [...counts].map(([n, c]) => (c > 1 ? `${n} ×${c}` : n)).join(', ') || '—';
}
