// One shipment: the route from the readings' GPS positions, a chart per sensor with the agreed bounds,
// min/max per sensor, the violations, the custody chain; readings arrive live through shipmentReadings.

import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import {
  WebShipmentDocument,
  WebShipmentReadingEventsDocument,
  WebShipmentReadingsDocument,
  WebShipmentUpdatesDocument,
  type WebShipmentQuery,
  type WebShipmentReadingsQuery,
} from '../../../schema/generated/operations';
import { ApiError, type Api } from '../api/client';
import { useQuery, useSession, useSubscription } from '../api/hooks';
import { RouteMap, SensorChart, type SeriesPoint } from '../charts';
import {
  Badge,
  ErrorBox,
  Field,
  formatNumber,
  Hash,
  LiveDot,
  Loading,
  PageHeader,
  Party,
  Time,
  Visibility,
} from '../components';

type Shipment = WebShipmentQuery['shipment'];
type Reading = NonNullable<WebShipmentReadingsQuery['shipment']>['readings']['nodes'][number];
type Sensor = 'temperature' | 'humidity' | 'pressure';

const SENSORS: readonly { key: Sensor; label: string; unit: string }[] = [
  { key: 'temperature', label: 'Temperature', unit: '°C' },
  { key: 'humidity', label: 'Humidity', unit: '%' },
  { key: 'pressure', label: 'Pressure', unit: ' hPa' },
];

const PAGE = 100;
/** Readings held in the page; older ones are dropped from the chart beyond this. */
const MAX_READINGS = 5000;

interface ReadingsState {
  readonly readings: readonly Reading[];
  readonly total: number;
  readonly error: ApiError | undefined;
  readonly loaded: boolean;
}

/**
 * All readings of the shipment, paged in, then extended after the last cursor whenever `poke` is called
 * (one fetch at a time; a poke during a fetch fetches again after it).
 */
function useReadings(api: Api, id: string): [ReadingsState, (minBlock: number | undefined) => void] {
  const [state, setState] = useState<ReadingsState>({
    readings: [],
    total: 0,
    error: undefined,
    loaded: false,
  });
  const cursor = useRef<string | undefined>(undefined);
  const busy = useRef(false);
  const again = useRef<number | undefined | null>(null);
  const alive = useRef(true);

  const fetchAll = useCallback(
    async (minBlock: number | undefined) => {
      for (let page = 0; page < 100; page++) {
        const r = await api.request(WebShipmentReadingsDocument, {
          id,
          first: PAGE,
          after: cursor.current,
          ...(minBlock !== undefined && page === 0 ? { minBlock } : {}),
        });
        if (!alive.current) return;
        const conn = r.shipment.readings;
        if (conn.pageInfo.endCursor) cursor.current = conn.pageInfo.endCursor;
        setState((s) => {
          const all = s.readings.concat(conn.nodes);
          return {
            readings: all.length > MAX_READINGS ? all.slice(all.length - MAX_READINGS) : all,
            total: conn.totalCount,
            error: undefined,
            loaded: true,
          };
        });
        if (!conn.pageInfo.hasNextPage) return;
      }
    },
    [api, id],
  );

  const poke = useCallback(
    (minBlock: number | undefined) => {
      if (busy.current) {
        const prev = again.current;
        again.current =
          prev == null || minBlock === undefined ? (minBlock ?? prev ?? undefined) : Math.max(prev, minBlock);
        return;
      }
      busy.current = true;
      void (async () => {
        let next: number | undefined = minBlock;
        for (;;) {
          try {
            await fetchAll(next);
          } catch (err) {
            if (alive.current) setState((s) => ({ ...s, error: ApiError.from(err), loaded: true }));
          }
          if (again.current === null || !alive.current) break;
          next = again.current;
          again.current = null;
        }
        busy.current = false;
      })();
    },
    [fetchAll],
  );

  useEffect(() => {
    alive.current = true;
    poke(undefined);
    return () => {
      alive.current = false;
    };
  }, [poke]);

  return [state, poke];
}

export function ShipmentPage({ id }: { id: string }) {
  const { api, me } = useSession();
  const q = useQuery(WebShipmentDocument, { id });
  const [readings, poke] = useReadings(api, id);
  const [lastEvent, setLastEvent] = useState<string>();
  const summaryTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const summaryBlock = useRef<number | undefined>(undefined);
  const reloadSummary = q.reload;

  useEffect(() => () => clearTimeout(summaryTimer.current), []);

  const readingsError = useSubscription(
    WebShipmentReadingEventsDocument,
    { shipmentId: id },
    ({ shipmentReadings: e }) => {
      setLastEvent(`${e.name}: ${e.count} reading${e.count === 1 ? '' : 's'} from ${e.deviceIds.join(', ')}`);
      poke(e.blockNumber);
      summaryBlock.current = Math.max(summaryBlock.current ?? 0, e.blockNumber);
      if (summaryTimer.current === undefined)
        summaryTimer.current = setTimeout(() => {
          summaryTimer.current = undefined;
          void reloadSummary({ minBlock: summaryBlock.current });
        }, 400);
    },
    { skip: q.error !== undefined },
  );
  const updatesError = useSubscription(
    WebShipmentUpdatesDocument,
    { shipmentId: id },
    ({ shipmentUpdates: e }) => void reloadSummary({ minBlock: e.blockNumber }),
    { skip: q.error !== undefined },
  );

  const s = q.data?.shipment;
  const isParty = s ? s.sender === me.partyId || s.receiver === me.partyId : false;

  return (
    <>
      <PageHeader title={<>Shipment {id}</>} back={['/shipments', 'Shipments']}>
        {s ? <Badge value={s.status} /> : null}
        <LiveDot error={readingsError ?? updatesError} />
      </PageHeader>
      <Visibility>
        Shipments are shown to their sender, receiver and custodians; readings and violations to the sender
        and the receiver{s ? (isParty ? ', which you are' : '; you are a custodian only') : ''}. Figures come
        from the ledger as committed.
      </Visibility>
      <ErrorBox error={q.error} />
      {!s && !q.error ? <Loading /> : null}
      {s ? <ShipmentView shipment={s} readings={readings} lastEvent={lastEvent} /> : null}
    </>
  );
}

function ShipmentView({
  shipment: s,
  readings: r,
  lastEvent,
}: {
  shipment: Shipment;
  readings: ReadingsState;
  lastEvent: string | undefined;
}) {
  const bounds = useMemo(() => {
    const m = new Map<Sensor, { min: number; max: number }>();
    for (const c of s.conditions) m.set(c.field.toLowerCase() as Sensor, { min: c.min, max: c.max });
    return m;
  }, [s.conditions]);

  const series = useMemo(() => {
    const out = new Map<Sensor, SeriesPoint[]>();
    for (const { key } of SENSORS) out.set(key, []);
    for (const x of r.readings) {
      const t = Date.parse(x.timestamp);
      for (const { key } of SENSORS) {
        const v = x[key];
        if (v == null) continue;
        out.get(key)?.push({ t, v, bad: x.violations.some((viol) => viol.field.toLowerCase() === key) });
      }
    }
    return out;
  }, [r.readings]);

  const route = useMemo(
    () => r.readings.flatMap((x) => (x.location ? [{ ...x.location, bad: x.violations.length > 0 }] : [])),
    [r.readings],
  );
  const reporting = useMemo(() => [...new Set(r.readings.map((x) => x.deviceId))].sort(), [r.readings]);
  const violations = useMemo(
    () =>
      r.readings
        .filter((x) => x.violations.length > 0)
        .slice(-200)
        .reverse(),
    [r.readings],
  );
  const shown = SENSORS.filter(
    ({ key }) => (series.get(key)?.length ?? 0) > 0 || bounds.has(key) || s.summary[key].count > 0,
  );

  return (
    <>
      <div className="stats">
        <div className="stat">
          <span className="stat-label">Readings</span>
          <span className="stat-value" data-testid="reading-count">
            {s.summary.count}
          </span>
          <span className="muted small">{r.readings.length} loaded</span>
        </div>
        <div className={s.summary.violations > 0 ? 'stat stat-bad' : 'stat stat-ok'}>
          <span className="stat-label">Readings out of bounds</span>
          <span className="stat-value" data-testid="violation-count">
            {s.summary.violations}
          </span>
          <span className="small">
            {s.summary.violations > 0 ? 'conditions were broken' : 'all conditions held'}
          </span>
        </div>
        <div className="stat">
          <span className="stat-label">Custodian</span>
          <span className="stat-value stat-text">
            <Party id={s.custodian} />
          </span>
          <span className="muted small">at {s.location}</span>
        </div>
        <div className="stat">
          <span className="stat-label">Route</span>
          <span className="stat-value stat-text">
            {s.origin} → {s.destination}
          </span>
          <span className="muted small">
            {lastEvent ? `last: ${lastEvent}` : 'waiting for live readings'}
          </span>
        </div>
      </div>
      <ErrorBox error={r.error} title="Readings could not be loaded" />

      <div className="two-col">
        <section className="card">
          <h2>Route</h2>
          <RouteMap points={route} origin={s.origin} destination={s.destination} />
          <p className="muted small">
            {route.length} GPS positions from the devices; red marks a position whose reading broke a
            condition.
          </p>
        </section>
        <section className="card">
          <h2>Details</h2>
          <dl className="fields">
            <Field label="Order">{s.orderId}</Field>
            <Field label="Sender">
              <Party id={s.sender} />
            </Field>
            <Field label="Receiver">
              <Party id={s.receiver} />
            </Field>
            <Field label="Created">
              <Time iso={s.createdAt} />
            </Field>
            <Field label="Items">{s.items.join(', ') || '—'}</Field>
            <Field label="Devices at creation">{s.devices.join(', ') || '—'}</Field>
            <Field label="Devices reporting">{reporting.join(', ') || '—'}</Field>
            {s.parentId ? <Field label="Inside shipment">{s.parentId}</Field> : null}
            {s.children.length > 0 ? <Field label="Holds shipments">{s.children.join(', ')}</Field> : null}
          </dl>
          <h3>Agreed conditions</h3>
          {s.conditions.length === 0 ? (
            <p className="muted small">None.</p>
          ) : (
            <ul className="chips">
              {s.conditions.map((c) => (
                <li key={c.field} className="chip">
                  {c.field.toLowerCase()} {c.min} – {c.max}
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>

      <h2>Sensors</h2>
      {!r.loaded ? <Loading /> : null}
      <div className="sensor-grid">
        {shown.map(({ key, label, unit }) => {
          const sum = s.summary[key];
          const b = bounds.get(key);
          const minBad = b && sum.min != null && sum.min < b.min;
          const maxBad = b && sum.max != null && sum.max > b.max;
          return (
            <section className="card sensor" key={key} data-testid={`sensor-${key}`}>
              <div className="sensor-head">
                <h3>{label}</h3>
                <span className="muted small">
                  {b ? `agreed ${b.min} – ${b.max}${unit}` : 'no agreed bounds'}
                </span>
              </div>
              <div className="minmax">
                <div className={minBad ? 'mm mm-bad' : 'mm'}>
                  <span>min</span>
                  <strong>
                    {formatNumber(sum.min)}
                    {sum.min != null ? unit : ''}
                  </strong>
                </div>
                <div className={maxBad ? 'mm mm-bad' : 'mm'}>
                  <span>max</span>
                  <strong>
                    {formatNumber(sum.max)}
                    {sum.max != null ? unit : ''}
                  </strong>
                </div>
                <div className="mm">
                  <span>readings</span>
                  <strong>{sum.count}</strong>
                </div>
                <div className={sum.violations > 0 ? 'mm mm-bad' : 'mm'}>
                  <span>violations</span>
                  <strong>{sum.violations}</strong>
                </div>
              </div>
              <SensorChart field={key} unit={unit} points={series.get(key) ?? []} bounds={b} />
            </section>
          );
        })}
      </div>

      <div className="two-col">
        <section className="card">
          <h2>Violations</h2>
          {violations.length === 0 ? (
            <p className="muted" data-testid="no-violations">
              No reading has left the agreed bounds.
            </p>
          ) : (
            <table className="table compact" data-testid="violations">
              <thead>
                <tr>
                  <th>Device time</th>
                  <th>Device</th>
                  <th className="num">Seq</th>
                  <th>Sensor</th>
                  <th className="num">Value</th>
                  <th>Allowed</th>
                </tr>
              </thead>
              <tbody>
                {violations.flatMap((x) =>
                  x.violations.map((v) => (
                    <tr key={`${x.deviceId}:${x.sequence}:${v.field}`}>
                      <td>
                        <Time iso={x.timestamp} />
                      </td>
                      <td>{x.deviceId}</td>
                      <td className="num">{x.sequence}</td>
                      <td>{v.field.toLowerCase()}</td>
                      <td className="num bad">{formatNumber(v.value)}</td>
                      <td>
                        {v.min} – {v.max}
                      </td>
                    </tr>
                  )),
                )}
              </tbody>
            </table>
          )}
        </section>
        <section className="card">
          <h2>Custody chain</h2>
          <ol className="custody" data-testid="custody">
            {s.records.map((rec, i) => (
              <li key={`${rec.txId}:${i}`}>
                <div>
                  <Badge value={rec.type} tone="grey" /> <Party id={rec.custodian} />
                  {rec.location ? <span className="muted"> at {rec.location}</span> : null}
                </div>
                <div className="muted small">
                  <Time iso={rec.at} /> · by <Party id={rec.by} />
                  {rec.relatedShipmentId ? <> · {rec.relatedShipmentId}</> : null}
                  {rec.via ? <> · via {rec.via}</> : null} ·{' '}
                  <Hash value={rec.txId} to={`/ledger/transactions/${rec.txId}`} />
                </div>
              </li>
            ))}
          </ol>
        </section>
      </div>
    </>
  );
}
