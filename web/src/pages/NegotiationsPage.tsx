// The caller's negotiations (from the read model), live through negotiationUpdates, and the form that
// opens a new RFQ with the caller as the customer.

import { useState, type FormEvent } from 'react';
import {
  CreateOfferDocument,
  WebNegotiationUpdatesDocument,
  WebNegotiationsDocument,
} from '../../../schema/generated/operations';
import { ApiError } from '../api/client';
import { useQuery, useSession, useSubscription } from '../api/hooks';
import { Badge, ErrorBox, LiveDot, Loading, PageHeader, Party, Time, Visibility } from '../components';
import { Link, navigate } from '../router';
import { ConditionsEditor, toConditions, type ConditionRow } from './ConditionsEditor';

export function NegotiationsPage() {
  const { me } = useSession();
  const list = useQuery(WebNegotiationsDocument, { first: 100 });
  const [changed, setChanged] = useState<Set<string>>(new Set());
  const [showForm, setShowForm] = useState(false);
  const liveError = useSubscription(WebNegotiationUpdatesDocument, {}, ({ negotiationUpdates: e }) => {
    setChanged((s) => new Set(s).add(e.negotiationId));
    void list.reload({ minBlock: e.blockNumber });
  });

  const nodes = list.data?.negotiations.nodes ?? [];
  return (
    <>
      <PageHeader title="Negotiations">
        <LiveDot error={liveError} />
        <button type="button" className="primary" onClick={() => setShowForm((v) => !v)}>
          {showForm ? 'Close the form' : 'New offer'}
        </button>
      </PageHeader>
      <Visibility>
        Negotiations where you are the customer or the prospective supplier; the API shows you no other
        party&apos;s negotiations.
      </Visibility>
      {showForm ? <OfferForm onCancel={() => setShowForm(false)} /> : null}
      <ErrorBox error={list.error} />
      {!list.data && !list.error ? <Loading /> : null}
      {list.data ? (
        <div className="card flush">
          <table className="table" data-testid="negotiations">
            <thead>
              <tr>
                <th>RFQ</th>
                <th>Item</th>
                <th>Your role</th>
                <th>Counterparty</th>
                <th className="num">Price</th>
                <th className="num">Qty</th>
                <th className="num">Rounds</th>
                <th>Status</th>
                <th>Updated</th>
              </tr>
            </thead>
            <tbody>
              {nodes.length === 0 ? (
                <tr>
                  <td colSpan={9} className="muted center">
                    No negotiations yet. Send an offer to a supplier to open one.
                  </td>
                </tr>
              ) : null}
              {[...nodes].reverse().map((n) => {
                const yourTurn = n.status === 'OPEN' && n.lastOfferBy !== me.partyId;
                return (
                  <tr key={n.id} className={changed.has(n.id) ? 'row-flash' : undefined}>
                    <td>
                      <Link to={`/negotiations/${encodeURIComponent(n.id)}`} className="strong">
                        {n.id}
                      </Link>
                    </td>
                    <td>{n.terms.item}</td>
                    <td>{n.customer === me.partyId ? 'customer' : 'supplier'}</td>
                    <td>
                      <Party id={n.counterparty} />
                      {n.counterpartyReputation.average != null ? (
                        <span className="muted small">
                          {' '}
                          ★ {n.counterpartyReputation.average} ({n.counterpartyReputation.count})
                        </span>
                      ) : null}
                    </td>
                    <td className="num">
                      {n.terms.price} {n.terms.currency}
                    </td>
                    <td className="num">{n.terms.quantity}</td>
                    <td className="num">{n.roundCount}</td>
                    <td>
                      <Badge value={n.status} /> {yourTurn ? <span className="turn">your turn</span> : null}
                    </td>
                    <td>
                      <Time iso={n.updatedAt} />
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

function OfferForm({ onCancel }: { onCancel: () => void }) {
  const { api, me } = useSession();
  const [id, setId] = useState(
    () => `rfq-${new Date().toISOString().slice(0, 10)}-${Math.random().toString(36).slice(2, 7)}`,
  );
  const [target, setTarget] = useState('');
  const [item, setItem] = useState('');
  const [price, setPrice] = useState('');
  const [quantity, setQuantity] = useState('1');
  const [currency, setCurrency] = useState('EUR');
  const [rows, setRows] = useState<ConditionRow[]>([{ field: 'temperature', min: '2', max: '8' }]);
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const conditions = toConditions(rows);
    if (typeof conditions === 'string') {
      setError(new ApiError(conditions, 'FORM'));
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const result = await api.request(CreateOfferDocument, {
        input: {
          id: id.trim(),
          targetParty: target.trim(),
          item: item.trim(),
          price: price.trim(),
          quantity: Number(quantity),
          currency: currency.trim(),
          conditions,
        },
      });
      navigate(`/negotiations/${encodeURIComponent(result.createOffer.negotiation?.id ?? id.trim())}`);
    } catch (err) {
      setError(ApiError.from(err));
      setBusy(false);
    }
  };

  return (
    <form className="card form" onSubmit={(e) => void submit(e)} data-testid="offer-form">
      <h2>New offer (request for quotation)</h2>
      <p className="muted small">
        You, <Party id={me.partyId} />, open the negotiation as the customer. The supplier sees it at once and
        may accept, reject or counter it.
      </p>
      <div className="grid-2">
        <label>
          Supplier (party id)
          <input
            name="targetParty"
            value={target}
            onChange={(e) => setTarget(e.target.value)}
            placeholder="Org2MSP:supplier"
            required
          />
        </label>
        <label>
          RFQ id
          <input name="id" value={id} onChange={(e) => setId(e.target.value)} required />
        </label>
        <label>
          Item
          <input
            name="item"
            value={item}
            onChange={(e) => setItem(e.target.value)}
            placeholder="CNC milled housings"
            required
          />
        </label>
        <div className="grid-3">
          <label>
            Price
            <input
              name="price"
              value={price}
              onChange={(e) => setPrice(e.target.value)}
              placeholder="12.50"
              inputMode="decimal"
              required
            />
          </label>
          <label>
            Quantity
            <input
              name="quantity"
              type="number"
              min="1"
              step="1"
              value={quantity}
              onChange={(e) => setQuantity(e.target.value)}
              required
            />
          </label>
          <label>
            Currency
            <input name="currency" value={currency} onChange={(e) => setCurrency(e.target.value)} required />
          </label>
        </div>
      </div>
      <ConditionsEditor rows={rows} onChange={setRows} />
      <ErrorBox error={error} />
      <div className="form-actions">
        <button type="button" className="ghost" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Sending…' : 'Send offer'}
        </button>
      </div>
    </form>
  );
}
