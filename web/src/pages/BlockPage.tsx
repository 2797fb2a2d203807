// One block: number, hash, previous hash, data hash and its transactions.

import { WebBlockDocument } from '../../../schema/generated/operations';
import { useQuery } from '../api/hooks';
import { Badge, ErrorBox, Field, Hash, Loading, PageHeader, Party, Time, Visibility } from '../components';
import { Link } from '../router';

export function BlockPage({ number }: { number: string }) {
  const n = Number(number);
  const valid = Number.isSafeInteger(n) && n >= 0;
  const q = useQuery(WebBlockDocument, { number: valid ? n : 0 }, { skip: !valid });
  const b = q.data?.block;
  return (
    <>
      <PageHeader title={<>Block #{number}</>} back={['/ledger', 'Ledger']}>
        {b && b.number > 0 ? (
          <Link className="button" to={`/ledger/blocks/${b.number - 1}`}>
            ← #{b.number - 1}
          </Link>
        ) : null}
        {b && q.data && b.number + 1 < q.data.meta.ledgerHeight ? (
          <Link className="button" to={`/ledger/blocks/${b.number + 1}`}>
            #{b.number + 1} →
          </Link>
        ) : null}
      </PageHeader>
      <Visibility>Every member of the channel sees this block as it is stored by the peers.</Visibility>
      {!valid ? <p className="error">“{number}” is not a block number.</p> : null}
      <ErrorBox error={q.error} />
      {valid && !b && !q.error ? <Loading /> : null}
      {b ? (
        <>
          <div className="card">
            <dl className="fields wide" data-testid="block-fields">
              <Field label="Number">{b.number}</Field>
              <Field label="Hash">
                <span data-testid="block-hash">
                  <Hash value={b.hash} full />
                </span>
              </Field>
              <Field label="Previous hash">
                {b.number > 0 ? (
                  <Hash value={b.previousHash} full to={`/ledger/blocks/${b.number - 1}`} />
                ) : (
                  <span className="muted">none: the genesis block</span>
                )}
              </Field>
              <Field label="Data hash">
                <Hash value={b.dataHash} full />
              </Field>
              <Field label="Transactions">{b.transactionCount}</Field>
            </dl>
          </div>
          <div className="card flush">
            <table className="table" data-testid="block-transactions">
              <thead>
                <tr>
                  <th className="num">#</th>
                  <th>Transaction</th>
                  <th>Creator</th>
                  <th>Organisation</th>
                  <th>Chaincode function</th>
                  <th>Validation</th>
                  <th>Time</th>
                </tr>
              </thead>
              <tbody>
                {b.transactions.map((t) => (
                  <tr key={t.transactionId || t.index}>
                    <td className="num">{t.index}</td>
                    <td>
                      {t.transactionId ? (
                        <Hash value={t.transactionId} to={`/ledger/transactions/${t.transactionId}`} />
                      ) : (
                        <span className="muted">{t.type}</span>
                      )}
                    </td>
                    <td>
                      <Party id={t.creator} />
                    </td>
                    <td>{t.creatorMspId}</td>
                    <td className="mono">
                      {t.chaincode ? <span className="muted">{t.chaincode} · </span> : null}
                      {t.function ?? t.type}
                    </td>
                    <td>
                      <Badge value={t.validationCode} />
                    </td>
                    <td>
                      <Time iso={t.timestamp} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
    </>
  );
}
