// The caller's shipments with status and violation count; live through shipmentUpdates and
// conditionViolations.

import { useState } from 'react';
import {
  WebConditionViolationsDocument,
  WebShipmentUpdatesDocument,
  WebShipmentsDocument,
} from '../../../schema/generated/operations';
import { useQuery, useSubscription } from '../api/hooks';
import { Badge, ErrorBox, LiveDot, Loading, PageHeader, Party, Time, Visibility } from '../components';
import { Link } from '../router';

export function ShipmentsPage() {
  const list = useQuery(WebShipmentsDocument, { first: 100 });
  const [changed, setChanged] = useState<Set<string>>(new Set());
  const onEvent = (shipmentIds: readonly string[], blockNumber: number) => {
    setChanged((s) => {
      const next = new Set(s);
      for (const id of shipmentIds) next.add(id);
      return next;
    });
    void list.reload({ minBlock: blockNumber });
  };
  const liveError = useSubscription(WebShipmentUpdatesDocument, {}, ({ shipmentUpdates: e }) =>
    onEvent([e.shipmentId], e.blockNumber),
  );
  const violationsError = useSubscription(WebConditionViolationsDocument, {}, ({ conditionViolations: e }) =>
    onEvent(e.shipmentIds, e.blockNumber),
  );
  const nodes = list.data?.shipments.nodes ?? [];
  return (
    <>
      <PageHeader title="Shipments">
        <LiveDot error={liveError ?? violationsError} />
      </PageHeader>
      <Visibility>
        Shipments where you are the sender, the receiver or a custodian; readings and violations are shown to
        the sender and the receiver only.
      </Visibility>
      <ErrorBox error={list.error} />
      {!list.data && !list.error ? <Loading /> : null}
      {list.data ? (
        <div className="card flush">
          <table className="table" data-testid="shipments">
            <thead>
              <tr>
                <th>Shipment</th>
                <th>Route</th>
                <th>Sender</th>
                <th>Receiver</th>
                <th>Custodian</th>
                <th>Status</th>
                <th className="num">Readings</th>
                <th className="num">Violations</th>
                <th>Updated</th>
              </tr>
            </thead>
            <tbody>
              {nodes.length === 0 ? (
                <tr>
                  <td colSpan={9} className="muted center">
                    No shipments yet. A supplier creates one for an accepted order.
                  </td>
                </tr>
              ) : null}
              {[...nodes].reverse().map((s) => (
                <tr key={s.id} className={changed.has(s.id) ? 'row-flash' : undefined}>
                  <td>
                    <Link to={`/shipments/${encodeURIComponent(s.id)}`} className="strong">
                      {s.id}
                    </Link>
                    <div className="muted small">order {s.orderId}</div>
                  </td>
                  <td>
                    {s.origin} → {s.destination}
                  </td>
                  <td>
                    <Party id={s.sender} />
                  </td>
                  <td>
                    <Party id={s.receiver} />
                  </td>
                  <td>
                    <Party id={s.custodian} />
                  </td>
                  <td>
                    <Badge value={s.status} />
                  </td>
                  <td className="num">{s.summary.count}</td>
                  <td className="num">
                    {s.summary.violations > 0 ? (
                      <span className="badge badge-red">{s.summary.violations}</span>
                    ) : (
                      <span className="muted">0</span>
                    )}
                  </td>
                  <td>
                    <Time iso={s.updatedAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </>
  );
}
