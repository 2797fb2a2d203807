// Small shared pieces: error box, party names, status badges, times, hashes, page headers.

import type { ReactNode } from 'react';
import type { ApiError } from './api/client';
import { useSession } from './api/hooks';
import { Link } from './router';

export function ErrorBox({ error, title }: { error: ApiError | undefined; title?: string }) {
  if (!error) return null;
  return (
    <div className="error" role="alert">
      <strong>{title ?? 'The API refused this'}</strong>
      <span className="error-code">{error.code}</span>
      <div className="error-message">{error.message}</div>
      {error.transactionId ? <div className="muted mono">transaction {error.transactionId}</div> : null}
    </div>
  );
}

/** A party id `<mspId>:<enrollmentId>`, with the organisation set apart and the caller marked. */
export function Party({ id }: { id: string | null | undefined }) {
  const { me } = useSession();
  if (!id) return <span className="muted">—</span>;
  const i = id.indexOf(':');
  const msp = i > 0 ? id.slice(0, i) : '';
  const name = i > 0 ? id.slice(i + 1) : id;
  const mine = id === me.partyId;
  return (
    <span className={mine ? 'party party-me' : 'party'} title={id}>
      <span className="party-name">{name}</span>
      {msp ? <span className="party-msp">{msp}</span> : null}
      {mine ? <span className="party-you">you</span> : null}
    </span>
  );
}

const TONES: Record<string, string> = {
  OPEN: 'blue',
  ACCEPTED: 'green',
  REJECTED: 'red',
  CREATED: 'blue',
  IN_TRANSIT: 'amber',
  DELIVERED: 'green',
  VALID: 'green',
  OFFER: 'blue',
  COUNTER_OFFER: 'amber',
  ACCEPT: 'green',
  REJECT: 'red',
};

export function Badge({ value, tone }: { value: string; tone?: string }) {
  const t =
    tone ?? TONES[value] ?? (/INVALID|CONFLICT|ERROR|FAIL|MVCC|ENDORSEMENT/.test(value) ? 'red' : 'grey');
  return <span className={`badge badge-${t}`}>{value.replace(/_/g, ' ')}</span>;
}

const dateTime = new Intl.DateTimeFormat('en-GB', {
  year: 'numeric',
  month: 'short',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateTime.format(d);
}

export function Time({ iso }: { iso: string | null | undefined }) {
  return (
    <time dateTime={iso ?? undefined} title={iso ?? undefined}>
      {formatTime(iso)}
    </time>
  );
}

/** A long hex value, shortened in the middle; the full value in the title and for copying. */
export function Hash({ value, full = false, to }: { value: string; full?: boolean; to?: string }) {
  const text = full || value.length <= 20 ? value : `${value.slice(0, 10)}…${value.slice(-8)}`;
  const inner = (
    <span className="mono hash" title={value}>
      {text}
    </span>
  );
  return to ? <Link to={to}>{inner}</Link> : inner;
}

export function PageHeader({
  title,
  children,
  back,
}: {
  title: ReactNode;
  children?: ReactNode;
  back?: [string, string];
}) {
  return (
    <div className="page-header">
      {back ? (
        <Link className="back" to={back[0]}>
          ← {back[1]}
        </Link>
      ) : null}
      <div className="page-title-row">
        <h1>{title}</h1>
        <div className="page-actions">{children}</div>
      </div>
    </div>
  );
}

/** What the API lets the caller see on this page, in one sentence. */
export function Visibility({ children }: { children: ReactNode }) {
  return (
    <p className="visibility">
      <span className="visibility-icon" aria-hidden="true">
        ◉
      </span>
      {children}
    </p>
  );
}

export function LiveDot({ error }: { error?: ApiError | undefined }) {
  return error ? (
    <span className="live live-off" title={`${error.code}: ${error.message}`}>
      live updates stopped: {error.message}
    </span>
  ) : (
    <span className="live">live</span>
  );
}

export function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="field">
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

export function Loading() {
  return <p className="muted">Loading…</p>;
}

export function formatNumber(n: number | null | undefined, digits = 2): string {
  if (n == null) return '—';
  return Number.isInteger(n) ? String(n) : n.toFixed(digits);
}
