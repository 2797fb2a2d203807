// Prometheus metrics for operators (served at /metrics). One registry per server instance so that tests
// running several servers in one process do not share counters.

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface ApiMetrics {
  readonly registry: Registry;
  readonly requestDuration: Histogram<'operation' | 'type' | 'outcome'>;
  readonly transactionStage: Histogram<'stage'>;
  readonly transactions: Counter<'function' | 'outcome'>;
  readonly mvccRetries: Counter;
  readonly evaluations: Counter<'function'>;
  readonly subscriptions: Gauge<'topic'>;
  readonly sockets: Gauge;
  readonly eventLag: Histogram;
  readonly eventsDelivered: Counter<'topic'>;
  readonly readModelHeight: Gauge;
  readonly ledgerHeight: Gauge;
}

export function newMetrics(): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    requestDuration: new Histogram({
      name: 'graphql_request_duration_seconds',
      help: 'GraphQL request latency by operation',
      labelNames: ['operation', 'type', 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    transactionStage: new Histogram({
      name: 'fabric_transaction_stage_seconds',
      help: 'Time spent per transaction stage: endorse, submit (orderer ack), commit (status)',
      labelNames: ['stage'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    transactions: new Counter({
      name: 'fabric_transactions_total',
      help: 'Transactions submitted, by chaincode function and outcome (validation code or error code)',
      labelNames: ['function', 'outcome'],
      registers,
    }),
    mvccRetries: new Counter({
      name: 'fabric_mvcc_retries_total',
      help: 'Transactions re-run after an MVCC or phantom-read conflict',
      registers,
    }),
    evaluations: new Counter({
      name: 'fabric_evaluations_total',
      help: 'Ledger reads (Evaluate calls to the peer), by chaincode function',
      labelNames: ['function'],
      registers,
    }),
    subscriptions: new Gauge({
      name: 'graphql_subscriptions',
      help: 'Active GraphQL subscriptions by topic',
      labelNames: ['topic'],
      registers,
    }),
    sockets: new Gauge({ name: 'graphql_ws_sockets', help: 'Open graphql-ws sockets', registers }),
    eventLag: new Histogram({
      name: 'subscription_event_lag_seconds',
      help: 'Time from block commit (read model applied) to an event written to a subscriber',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    eventsDelivered: new Counter({
      name: 'subscription_events_total',
      help: 'Events delivered to subscribers, by topic',
      labelNames: ['topic'],
      registers,
    }),
    readModelHeight: new Gauge({
      name: 'read_model_height',
      help: 'Next block the read model will apply',
      registers,
    }),
    ledgerHeight: new Gauge({ name: 'ledger_height', help: 'Ledger height seen by the API', registers }),
  };
}
