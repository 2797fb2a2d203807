// Sensor readings (seed 4.1, 4.3): devices (or their gateway) record readings; the chaincode checks
// them against the shipment's conditions. Readings and their summary are read from the read model:
// the ledger only offers key-order range scans, the read model keeps them in device-time order with
// per-field aggregates maintained as blocks are applied.

import {
  Arg,
  Args,
  Ctx,
  FieldResolver,
  ID,
  Mutation,
  Resolver,
  Root,
  Subscription,
  type SubscribeResolverData,
} from 'type-graphql';
import type { ApiContext } from '../context.type';
import { badInput } from '../errors';
import type { LedgerEvent } from '../events/event-stream';
import type { ShipmentSummary as StoredSummary } from '../readmodel/read-model';
import { MutationOptions, type Connection, type Payload } from './common.type';
import { compact, toConnection, type ReadModelPage } from './page';
import { ReadingInput, ReadingsArgs } from './reading.input';
import {
  Reading,
  ReadingBatchPayload,
  ReadingBatchResult,
  ReadingConnection,
  ReadingEvent,
  ShipmentSummary,
  ViolatedReading,
} from './reading.type';
import { awaitReadModel, checkFirst, json, requireCaller, submitAs } from './resolve';
import { Shipment, type SensorField } from './shipment.type';
import { eventFields, num, str, subscribeLedgerEvents } from './subscribe';

/** The chaincode's limit per recordReadings transaction (chaincode/src/reading.type.ts). */
export const MAX_READINGS_PER_BATCH = 500;

/** ConditionViolated replaces ReadingRecorded/ReadingsRecorded: Fabric keeps one event per transaction. */
export const READING_EVENTS = ['ReadingRecorded', 'ReadingsRecorded', 'ConditionViolated'] as const;

@Resolver(() => Shipment)
export class ShipmentReadingsResolver {
  @FieldResolver(() => ReadingConnection, {
    description: "The shipment's readings in device-time order, from the read model",
  })
  async readings(
    @Root() s: Shipment,
    @Args() args: ReadingsArgs,
    @Ctx() ctx: ApiContext,
  ): Promise<Connection<Reading>> {
    await awaitReadModel(ctx, args.minBlock);
    const page: ReadModelPage = ctx.services.readModel.readings(s.id, {
      first: checkFirst(args.first),
      ...(args.after ? { after: args.after } : {}),
      ...(args.deviceId ? { deviceId: args.deviceId } : {}),
    });
    return toConnection<Reading>(page);
  }

  @FieldResolver(() => ShipmentSummary, { description: 'Counts, min/max per sensor field and violations' })
  summary(@Root() s: Shipment, @Ctx() ctx: ApiContext): ShipmentSummary {
    const stored: StoredSummary = ctx.services.readModel.shipmentSummary(s.id);
    return {
      shipmentId: stored.shipmentId,
      count: stored.count,
      violations: stored.violations,
      summaries: stored.summaries,
      summarizedReadings: stored.summarizedReadings,
      summaryViolations: stored.summaryViolations,
      ...stored.fields,
    };
  }
}

@Resolver()
export class ReadingResolver {
  @Mutation(() => ReadingBatchPayload, {
    description:
      'Records one reading; the caller is the device or its gateway. A replay is counted as a duplicate',
  })
  recordReading(
    @Arg('input', () => ReadingInput) input: ReadingInput,
    @Arg('options', () => MutationOptions, { nullable: true }) options: MutationOptions | undefined,
    @Ctx() ctx: ApiContext,
  ): Promise<Payload<ReadingBatchResult>> {
    return submitAs(ctx, 'reading:recordReading', [json(compact(input))], options);
  }

  @Mutation(() => ReadingBatchPayload, {
    description: `Records 1-${MAX_READINGS_PER_BATCH} readings in one transaction, all or nothing`,
  })
  recordReadings(
    @Arg('inputs', () => [ReadingInput]) inputs: ReadingInput[],
    @Arg('options', () => MutationOptions, { nullable: true }) options: MutationOptions | undefined,
    @Ctx() ctx: ApiContext,
  ): Promise<Payload<ReadingBatchResult>> {
    requireCaller(ctx);
    // Checked here too so an oversized batch is refused before it is signed and endorsed.
    if (inputs.length === 0 || inputs.length > MAX_READINGS_PER_BATCH) {
      throw badInput(`inputs must hold 1 to ${MAX_READINGS_PER_BATCH} readings, got ${inputs.length}`);
    }
    return submitAs(ctx, 'reading:recordReadings', [json(inputs.map((r) => compact(r)))], options);
  }

  @Subscription(() => ReadingEvent, {
    description: 'Readings recorded for one shipment (batches and violations included)',
    subscribe: ({ args, context }: SubscribeResolverData<unknown, ShipmentReadingsArgs, ApiContext>) =>
      subscribeLedgerEvents(context, {
        topic: 'shipmentReadings',
        names: READING_EVENTS,
        after: args.after,
        accept: forShipment(args.shipmentId),
      }),
  })
  shipmentReadings(
    @Root() event: LedgerEvent,
    @Arg('shipmentId', () => ID) _shipmentId: string,
    @Arg('after', () => String, { nullable: true, description: 'Resume after this cursor' })
    _after: string | undefined,
  ): ReadingEvent {
    return readingEvent(event);
  }

  @Subscription(() => ReadingEvent, {
    description: "Condition violations in the caller's shipments",
    subscribe: ({ args, context }: SubscribeResolverData<unknown, ViolationSubscriptionArgs, ApiContext>) =>
      subscribeLedgerEvents(context, {
        topic: 'conditionViolations',
        names: ['ConditionViolated'],
        after: args.after,
        ...(args.shipmentId ? { accept: forShipment(args.shipmentId) } : {}),
      }),
  })
  conditionViolations(
    @Root() event: LedgerEvent,
    @Arg('shipmentId', () => ID, { nullable: true }) _shipmentId: string | undefined,
    @Arg('after', () => String, { nullable: true, description: 'Resume after this cursor' })
    _after: string | undefined,
  ): ReadingEvent {
    return readingEvent(event);
  }
}

interface ShipmentReadingsArgs {
  shipmentId: string;
  after?: string;
}

interface ViolationSubscriptionArgs {
  shipmentId?: string;
  after?: string;
}

function forShipment(shipmentId: string): (event: LedgerEvent) => boolean {
  return ({ payload: p }) =>
    (Array.isArray(p['shipmentIds']) && p['shipmentIds'].includes(shipmentId)) ||
    p['shipmentId'] === shipmentId;
}

function strings(payload: Record<string, unknown>, key: string): string[] {
  const value = payload[key];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function readingEvent(event: LedgerEvent): ReadingEvent {
  const p = event.payload;
  const violations = Array.isArray(p['violations']) ? (p['violations'] as unknown[]) : [];
  return {
    ...eventFields(event),
    shipmentIds: strings(p, 'shipmentIds'),
    deviceIds: strings(p, 'deviceIds'),
    count: num(p, 'count'),
    duplicates: num(p, 'duplicates'),
    fromSequence: num(p, 'fromSequence'),
    toSequence: num(p, 'toSequence'),
    submittedBy: str(p, 'submittedBy'),
    violations: violations
      .filter((v): v is Record<string, unknown> => v !== null && typeof v === 'object')
      .map((v): ViolatedReading => ({
        shipmentId: str(v, 'shipmentId'),
        deviceId: str(v, 'deviceId'),
        sequence: num(v, 'sequence'),
        timestamp: str(v, 'timestamp'),
        field: str(v, 'field') as SensorField,
        value: num(v, 'value'),
        min: num(v, 'min'),
        max: num(v, 'max'),
      })),
  };
}
