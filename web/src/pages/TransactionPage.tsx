// One transaction: where it is in the ledger, who signed it, what it called, and whether it was valid.

import { WebTransactionDocument } from '../../../schema/generated/operations';
import { useQuery } from '../api/hooks';
import { Badge, ErrorBox, Field, Hash, Loading, PageHeader, Party, Time, Visibility } from '../components';
import { Link } from '../router';

export function TransactionPage({ id }: { id: string }) {
  const q = useQuery(WebTransactionDocument, { id });
  const t = q.data?.transaction;
  return (
    <>
      <PageHeader title="Transaction" back={['/ledger', 'Ledger']}>
        {t ? <Badge value={t.validationCode} /> : null}
      </PageHeader>
      <Visibility>
        Every member of the channel sees who submitted a transaction, what it called and whether the peers
        accepted it; what it wrote stays behind the pages of the entities it changed.
      </Visibility>
      <ErrorBox error={q.error} />
      {!t && !q.error ? <Loading /> : null}
      {t ? (
        <div className="card">
          <dl className="fields wide" data-testid="transaction-fields">
            <Field label="Transaction id">
              <Hash value={t.transactionId} full />
            </Field>
            <Field label="Block">
              <Link to={`/ledger/blocks/${t.blockNumber}`}>#{t.blockNumber}</Link>, position {t.index}
            </Field>
            <Field label="Time">
              <Time iso={t.timestamp} />
            </Field>
            <Field label="Type">{t.type}</Field>
            <Field label="Creator">
              <Party id={t.creator} />
            </Field>
            <Field label="Organisation (MSP)">{t.creatorMspId}</Field>
            <Field label="Chaincode">{t.chaincode ?? '—'}</Field>
            <Field label="Function">
              <span className="mono">{t.function ?? '—'}</span>
            </Field>
            <Field label="Validation code">
              <Badge value={t.validationCode} />
            </Field>
            <Field label="State">{t.state}</Field>
          </dl>
        </div>
      ) : null}
    </>
  );
}
