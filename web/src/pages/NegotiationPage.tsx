// One negotiation as a timeline: the offer, then each counter-offer with what changed against the round
// before (fields, conditions added, changed or removed, the note), then the answer. Live through
// negotiationUpdates; accept, reject and counter-offer from here when it is the caller's turn.

import { useRef, useState, type FormEvent } from 'react';
import {
  AcceptOfferDocument,
  CounterOfferDocument,
  WebNegotiationDocument,
  WebNegotiationUpdatesDocument,
  WebRejectOfferDocument,
  type WebNegotiationQuery,
} from '../../../schema/generated/operations';
import { ApiError } from '../api/client';
import { useQuery, useSession, useSubscription } from '../api/hooks';
import {
  Badge,
  ErrorBox,
  Field,
  Hash,
  LiveDot,
  Loading,
  PageHeader,
  Party,
  Time,
  Visibility,
} from '../components';
import { ConditionsEditor, toConditions, type ConditionRow } from './ConditionsEditor';

type Negotiation = WebNegotiationQuery['negotiation'];
type Terms = Negotiation['terms'];
type Round = Negotiation['rounds'][number];
type Condition = Terms['conditions'][number];

const TERM_FIELDS = ['item', 'price', 'quantity', 'currency'] as const;

export interface Change {
  readonly kind: 'field' | 'added' | 'changed' | 'removed';
  readonly name: string;
  readonly from?: string;
  readonly to?: string;
}

const range = (c: Condition) => `${c.min} – ${c.max}`;

/** What differs between the terms before and after a round. */
export function diffTerms(before: Terms, after: Terms): Change[] {
  const out: Change[] = [];
  for (const f of TERM_FIELDS) {
    if (String(before[f]) !== String(after[f]))
      out.push({ kind: 'field', name: f, from: String(before[f]), to: String(after[f]) });
  }
  const old = new Map(before.conditions.map((c) => [c.field, c]));
  const now = new Map(after.conditions.map((c) => [c.field, c]));
  for (const [field, c] of now) {
    const o = old.get(field);
    if (!o) out.push({ kind: 'added', name: field, to: range(c) });
    else if (o.min !== c.min || o.max !== c.max)
      out.push({ kind: 'changed', name: field, from: range(o), to: range(c) });
  }
  for (const [field, o] of old)
    if (!now.has(field)) out.push({ kind: 'removed', name: field, from: range(o) });
  return out;
}

export function NegotiationPage({ id }: { id: string }) {
  const { me } = useSession();
  const q = useQuery(WebNegotiationDocument, { id });
  const firstSeen = useRef<number | undefined>(undefined);
  const liveError = useSubscription(
    WebNegotiationUpdatesDocument,
    { negotiationId: id },
    ({ negotiationUpdates: e }) => {
      void q.reload({ minBlock: e.blockNumber });
    },
  );

  const n = q.data?.negotiation;
  if (n && firstSeen.current === undefined) firstSeen.current = n.rounds.length;

  return (
    <>
      <PageHeader title={<>Negotiation {id}</>} back={['/negotiations', 'Negotiations']}>
        {n ? <Badge value={n.status} /> : null}
        <LiveDot error={liveError} />
      </PageHeader>
      <Visibility>
        Only the customer and the supplier of a negotiation can read it; the rounds come from the ledger as
        committed.
      </Visibility>
      <ErrorBox error={q.error} />
      {!n && !q.error ? <Loading /> : null}
      {n ? (
        <div className="two-col">
          <section>
            <h2>Rounds</h2>
            <ol className="timeline" data-testid="timeline">
              {n.rounds.map((r, i) => (
                <RoundCard
                  key={r.round}
                  round={r}
                  before={i > 0 ? n.rounds[i - 1]?.terms : undefined}
                  fresh={firstSeen.current !== undefined && i >= firstSeen.current}
                  orderId={n.orderId}
                />
              ))}
            </ol>
          </section>
          <aside>
            <div className="card">
              <h2>Terms on the table</h2>
              <TermsView terms={n.terms} />
              <dl className="fields">
                <Field label="Customer">
                  <Party id={n.customer} />
                </Field>
                <Field label="Supplier">
                  <Party id={n.supplier} />
                </Field>
                <Field label="Opened">
                  <Time iso={n.createdAt} />
                </Field>
                <Field label="Last change">
                  <Time iso={n.updatedAt} />
                </Field>
                {n.orderId ? <Field label="Order">{n.orderId}</Field> : null}
                {n.rejectReason ? <Field label="Rejected because">{n.rejectReason}</Field> : null}
              </dl>
            </div>
            <Actions negotiation={n} me={me.partyId} onDone={(block) => q.reload({ minBlock: block })} />
          </aside>
        </div>
      ) : null}
    </>
  );
}

function TermsView({ terms }: { terms: Terms }) {
  return (
    <>
      <dl className="fields">
        <Field label="Item">{terms.item}</Field>
        <Field label="Price">
          {terms.price} {terms.currency}
        </Field>
        <Field label="Quantity">{terms.quantity}</Field>
      </dl>
      <h3>Conditions</h3>
      {terms.conditions.length === 0 ? (
        <p className="muted small">None.</p>
      ) : (
        <ul className="chips">
          {terms.conditions.map((c) => (
            <li key={c.field} className="chip">
              {c.field} {range(c)}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

const ACTION_TEXT: Record<Round['action'], string> = {
  OFFER: 'Offer',
  COUNTER_OFFER: 'Counter-offer',
  ACCEPT: 'Accepted',
  REJECT: 'Rejected',
};

function RoundCard({
  round,
  before,
  fresh,
  orderId,
}: {
  round: Round;
  before: Terms | undefined;
  fresh: boolean;
  orderId: string | null;
}) {
  const changes = before ? diffTerms(before, round.terms) : [];
  return (
    <li
      className={`round round-${round.action.toLowerCase()}${fresh ? ' round-new' : ''}`}
      data-testid="round"
    >
      <div className="round-head">
        <span className="round-no">#{round.round}</span>
        <strong>{ACTION_TEXT[round.action]}</strong>
        <span className="muted">by</span> <Party id={round.by} />
        <span className="round-time">
          <Time iso={round.timestamp} />
        </span>
      </div>
      {round.action === 'OFFER' ? <TermsView terms={round.terms} /> : null}
      {round.action === 'COUNTER_OFFER' ? (
        changes.length === 0 ? (
          <p className="muted small">No change to the terms.</p>
        ) : (
          <ul className="changes">
            {changes.map((c) => (
              <li key={`${c.kind}:${c.name}`} className={`change change-${c.kind}`}>
                <span className="change-kind">{c.kind === 'field' ? 'changed' : `condition ${c.kind}`}</span>{' '}
                <span className="change-name">{c.name}</span>{' '}
                {c.from !== undefined ? <span className="change-from">{c.from}</span> : null}
                {c.from !== undefined && c.to !== undefined ? ' → ' : null}
                {c.to !== undefined ? <span className="change-to">{c.to}</span> : null}
              </li>
            ))}
          </ul>
        )
      ) : null}
      {round.action === 'ACCEPT' ? (
        <p>
          Accepted {round.terms.quantity} × {round.terms.item} at {round.terms.price} {round.terms.currency}
          {orderId ? <> — order {orderId} opened</> : null}.
        </p>
      ) : null}
      {round.note ? <blockquote className="note">{round.note}</blockquote> : null}
      {round.reason ? <blockquote className="note note-reason">Reason: {round.reason}</blockquote> : null}
      <div className="round-tx muted small">
        transaction <Hash value={round.txId} to={`/ledger/transactions/${round.txId}`} />
      </div>
    </li>
  );
}

function Actions({
  negotiation: n,
  me,
  onDone,
}: {
  negotiation: Negotiation;
  me: string;
  onDone: (block: number | undefined) => Promise<void>;
}) {
  const { api } = useSession();
  const [mode, setMode] = useState<'none' | 'counter' | 'reject'>('none');
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);

  if (n.status !== 'OPEN') {
    return (
      <div className="card">
        <h2>Closed</h2>
        <p className="muted">This negotiation is {n.status.toLowerCase()}; no more rounds can be added.</p>
      </div>
    );
  }
  if (n.lastOfferBy === me) {
    return (
      <div className="card">
        <h2>Waiting</h2>
        <p className="muted" data-testid="waiting">
          Your offer is on the table. <Party id={n.counterparty} /> may accept, reject or counter it; the
          timeline updates by itself.
        </p>
      </div>
    );
  }

  const run = async (action: () => Promise<number | null | undefined>) => {
    setBusy(true);
    setError(undefined);
    try {
      const block = await action();
      setMode('none');
      await onDone(block ?? undefined);
    } catch (err) {
      setError(ApiError.from(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="card" data-testid="actions">
      <h2>Your answer</h2>
      <p className="muted small">
        <Party id={n.lastOfferBy} /> made the last offer; it is your turn.
      </p>
      <div className="button-row">
        <button
          type="button"
          className="primary"
          disabled={busy}
          onClick={() =>
            void run(
              async () =>
                (await api.request(AcceptOfferDocument, { negotiationId: n.id })).acceptOffer.transaction
                  .blockNumber,
            )
          }
        >
          Accept
        </button>
        <button
          type="button"
          disabled={busy}
          onClick={() => setMode(mode === 'counter' ? 'none' : 'counter')}
        >
          Counter-offer
        </button>
        <button
          type="button"
          className="danger"
          disabled={busy}
          onClick={() => setMode(mode === 'reject' ? 'none' : 'reject')}
        >
          Reject
        </button>
      </div>
      {mode === 'reject' ? (
        <RejectForm
          busy={busy}
          onSubmit={(reason) =>
            void run(
              async () =>
                (await api.request(WebRejectOfferDocument, { negotiationId: n.id, reason })).rejectOffer
                  .transaction.blockNumber,
            )
          }
        />
      ) : null}
      {mode === 'counter' ? (
        <CounterForm
          terms={n.terms}
          busy={busy}
          onError={setError}
          onSubmit={(input) =>
            void run(
              async () =>
                (await api.request(CounterOfferDocument, { negotiationId: n.id, input })).counterOffer
                  .transaction.blockNumber,
            )
          }
        />
      ) : null}
      <ErrorBox error={error} />
    </div>
  );
}

function RejectForm({ busy, onSubmit }: { busy: boolean; onSubmit: (reason: string) => void }) {
  const [reason, setReason] = useState('');
  return (
    <form
      className="form inline-form"
      onSubmit={(e) => {
        e.preventDefault();
        onSubmit(reason.trim());
      }}
    >
      <label>
        Reason (shown to the other party)
        <input name="reason" value={reason} onChange={(e) => setReason(e.target.value)} />
      </label>
      <button type="submit" className="danger" disabled={busy}>
        Reject the offer
      </button>
    </form>
  );
}

interface CounterInput {
  fields: { field: string; newValue: string }[];
  conditions: { field: string; min: number; max: number }[];
  removedConditions: string[];
  note?: string;
}

function CounterForm({
  terms,
  busy,
  onSubmit,
  onError,
}: {
  terms: Terms;
  busy: boolean;
  onSubmit: (input: CounterInput) => void;
  onError: (err: ApiError) => void;
}) {
  const [values, setValues] = useState<Record<(typeof TERM_FIELDS)[number], string>>({
    item: terms.item,
    price: terms.price,
    quantity: String(terms.quantity),
    currency: terms.currency,
  });
  const [rows, setRows] = useState<ConditionRow[]>(
    terms.conditions.map((c) => ({ field: c.field, min: String(c.min), max: String(c.max) })),
  );
  const [note, setNote] = useState('');

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const conditions = toConditions(rows);
    if (typeof conditions === 'string') {
      onError(new ApiError(conditions, 'FORM'));
      return;
    }
    const fields = TERM_FIELDS.filter((f) => values[f].trim() !== String(terms[f])).map((f) => ({
      field: f,
      newValue: values[f].trim(),
    }));
    const old = new Map(terms.conditions.map((c) => [c.field, c]));
    const changed = conditions.filter((c) => {
      const o = old.get(c.field);
      return !o || o.min !== c.min || o.max !== c.max;
    });
    const kept = new Set(conditions.map((c) => c.field));
    const removedConditions = terms.conditions.map((c) => c.field).filter((f) => !kept.has(f));
    onSubmit({
      fields,
      conditions: changed,
      removedConditions,
      ...(note.trim() ? { note: note.trim() } : {}),
    });
  };

  return (
    <form className="form" onSubmit={submit} data-testid="counter-form">
      <h3>Counter-offer</h3>
      <p className="muted small">Change what you want; only the differences are sent.</p>
      <div className="grid-2">
        {TERM_FIELDS.map((f) => (
          <label key={f}>
            {f[0]?.toUpperCase()}
            {f.slice(1)}
            <input
              name={f}
              value={values[f]}
              onChange={(e) => setValues({ ...values, [f]: e.target.value })}
            />
          </label>
        ))}
      </div>
      <ConditionsEditor rows={rows} onChange={setRows} />
      <label>
        Note
        <textarea name="note" rows={2} value={note} onChange={(e) => setNote(e.target.value)} />
      </label>
      <div className="form-actions">
        <button type="submit" className="primary" disabled={busy}>
          Send counter-offer
        </button>
      </div>
    </form>
  );
}
