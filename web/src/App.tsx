// The shell: sign-in with an API key (kept in sessionStorage for this tab), the header with who you are,
// and the pages.

import { useCallback, useEffect, useMemo, useState, type FormEvent } from 'react';
import { MeDocument } from '../../schema/generated/operations';
import { ApiError, createApi, type Api } from './api/client';
import { SessionContext, useSession, type Me, type Session } from './api/hooks';
import { ErrorBox } from './components';
import { BlockPage } from './pages/BlockPage';
import { LedgerPage } from './pages/LedgerPage';
import { NegotiationPage } from './pages/NegotiationPage';
import { NegotiationsPage } from './pages/NegotiationsPage';
import { ShipmentPage } from './pages/ShipmentPage';
import { ShipmentsPage } from './pages/ShipmentsPage';
import { TransactionPage } from './pages/TransactionPage';
import { Link, match, navigate, usePath } from './router';

const KEY = 'manusquare.apiKey';

interface Signed {
  readonly api: Api;
  readonly me: Me;
}

async function signIn(apiKey: string): Promise<Signed> {
  const api = createApi({ apiKey });
  try {
    const { me } = await api.request(MeDocument, {});
    return { api, me };
  } catch (err) {
    api.close();
    throw err;
  }
}

export function App() {
  const [signed, setSigned] = useState<Signed>();
  const [restoring, setRestoring] = useState(() => sessionStorage.getItem(KEY) !== null);
  const [error, setError] = useState<ApiError>();

  useEffect(() => {
    const stored = sessionStorage.getItem(KEY);
    if (!stored) return;
    let cancelled = false;
    signIn(stored)
      .then((s) => (cancelled ? s.api.close() : setSigned(s)))
      .catch((err: unknown) => {
        if (cancelled) return;
        sessionStorage.removeItem(KEY);
        setError(ApiError.from(err));
      })
      .finally(() => !cancelled && setRestoring(false));
    return () => {
      cancelled = true;
    };
  }, []);

  const signOut = useCallback(() => {
    sessionStorage.removeItem(KEY);
    signed?.api.close();
    setSigned(undefined);
    navigate('/');
  }, [signed]);

  const session = useMemo<Session | undefined>(
    () => (signed ? { api: signed.api, me: signed.me, signOut } : undefined),
    [signed, signOut],
  );

  if (restoring) return <p className="muted center">Signing in…</p>;
  if (!session)
    return (
      <SignIn
        error={error}
        onSignIn={async (key) => {
          try {
            const s = await signIn(key);
            sessionStorage.setItem(KEY, key);
            setError(undefined);
            setSigned(s);
          } catch (err) {
            setError(ApiError.from(err));
          }
        }}
      />
    );
  return (
    <SessionContext.Provider value={session}>
      <Shell />
    </SessionContext.Provider>
  );
}

function SignIn({
  error,
  onSignIn,
}: {
  error: ApiError | undefined;
  onSignIn: (key: string) => Promise<void>;
}) {
  const [key, setKey] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    await onSignIn(key.trim());
    setBusy(false);
  };
  return (
    <div className="signin">
      <form className="card signin-card" onSubmit={(e) => void submit(e)}>
        <div className="brand brand-large">
          <span className="brand-mark">M²</span> MANU-SQUARE <span className="brand-sub">trust layer</span>
        </div>
        <p className="muted">
          Sign in with the API key your organisation&apos;s administrator issued to you. You will see the
          negotiations, shipments and ledger data that the API lets your identity see.
        </p>
        <label>
          API key
          <input
            name="apiKey"
            type="password"
            autoComplete="off"
            spellCheck={false}
            value={key}
            onChange={(e) => setKey(e.target.value)}
            placeholder="paste the bearer token"
            required
          />
        </label>
        <button type="submit" className="primary" disabled={busy || key.trim() === ''}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <ErrorBox error={error} title="Sign-in failed" />
        <p className="muted small">
          The key is kept in this browser tab only (session storage) until you sign out.
        </p>
      </form>
    </div>
  );
}

const NAV: [string, string][] = [
  ['/negotiations', 'Negotiations'],
  ['/shipments', 'Shipments'],
  ['/ledger', 'Ledger'],
];

function Shell() {
  const path = usePath();
  return (
    <div className="app">
      <Header path={path} />
      <main className="main">
        <Route path={path} />
      </main>
    </div>
  );
}

function Header({ path }: { path: string }) {
  const { me, signOut, api } = useSession();
  const [connected, setConnected] = useState<boolean>();
  useEffect(() => api.onConnectionChange(setConnected), [api]);
  return (
    <header className="topbar">
      <Link to="/negotiations" className="brand">
        <span className="brand-mark">M²</span> MANU-SQUARE <span className="brand-sub">trust layer</span>
      </Link>
      <nav>
        {NAV.map(([to, label]) => (
          <Link key={to} to={to} className={path.startsWith(to) ? 'nav-link active' : 'nav-link'}>
            {label}
          </Link>
        ))}
      </nav>
      <div className="whoami" data-testid="whoami">
        <span
          className={connected === false ? 'conn conn-off' : connected ? 'conn conn-on' : 'conn'}
          title={connected === false ? 'live connection lost, reconnecting' : 'live connection'}
        />
        <div className="whoami-text">
          <span className="whoami-party">{me.enrollmentId}</span>
          <span className="whoami-meta">
            {me.mspId} · {me.role}
          </span>
        </div>
        <button type="button" className="ghost" onClick={signOut}>
          Sign out
        </button>
      </div>
    </header>
  );
}

function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, { replace: true }), [to]);
  return null;
}

function Route({ path }: { path: string }) {
  let m: Record<string, string> | undefined;
  if (path === '/' || path === '') return <Redirect to="/negotiations" />;
  if (match('/negotiations', path)) return <NegotiationsPage />;
  if ((m = match('/negotiations/:id', path))) return <NegotiationPage key={m['id']} id={m['id'] ?? ''} />;
  if (match('/shipments', path)) return <ShipmentsPage />;
  if ((m = match('/shipments/:id', path))) return <ShipmentPage key={m['id']} id={m['id'] ?? ''} />;
  if (match('/ledger', path)) return <LedgerPage />;
  if ((m = match('/ledger/blocks/:number', path)))
    return <BlockPage key={m['number']} number={m['number'] ?? ''} />;
  if ((m = match('/ledger/transactions/:id', path)))
    return <TransactionPage key={m['id']} id={m['id'] ?? ''} />;
  return (
    <div className="card">
      <h1>Not found</h1>
      <p>
        There is no page at <code>{path}</code>. <Link to="/negotiations">Go to the negotiations.</Link>
      </p>
    </div>
  );
}
