// Readings (seed 4.1, 4.3): recordReading / recordReadings from a device bound to the shipment (or
// its gateway). Each reading has its own key (device + sequence), so concurrent devices never share a
// key (rule 5); replays are no-ops (rule 4). Summaries are derived at read time by range scans.
import { Context, Contract, Info, Param, Returns, Transaction } from 'fabric-contract-api';
import { Device, deviceIdByEnrollment, readBinding, readDevice } from './device.type';
import {
  ConditionViolation,
  MAX_READINGS_PER_BATCH,
  READING,
  Reading,
  ReadingInput,
  VIOLATION,
  epochMs,
  readingByDeviceKey,
  readingContent,
  readingKey,
  requireIsoTimestamp,
  violationKey,
} from './reading.type';
import {
  SENSOR_FIELDS,
  type SensorField,
  type ShipmentSpec,
  readShipment,
  readSpec,
  readerMsps,
} from './shipment.type';
import { callerOf } from './util/identity';
import { fromBytes, stableStringify, toBytes } from './util/stable';
import { txTime } from './util/time';
import { requireId } from './util/validate';

const SCAN_PAGE = 1000;

interface Violated {
  shipmentId: string;
  deviceId: string;
  sequence: number;
  timestamp: string;
  field: SensorField;
  value: number;
  min: number;
  max: number;
}

@Info({
  title: 'ReadingContract',
  description: 'IoT sensor readings per shipment: idempotent, hot-key free, condition checks',
})
export class ReadingContract extends Contract {
  constructor() {
    super('reading');
  }

  /**
   * Records one reading {shipmentId, deviceId, sequence, timestamp, temperature?, humidity?,
   * pressure?, location?: {lat, lon}}. Returns {recorded, duplicates, violations}.
   */
  @Transaction()
  @Param(
    'readingJson',
    'string',
    '{shipmentId, deviceId, sequence, timestamp, temperature?, humidity?, pressure?, location?}',
  )
  @Returns('string')
  public async recordReading(ctx: Context, readingJson: string): Promise<string> {
    let raw: unknown;
    try {
      raw = JSON.parse(readingJson);
    } catch {
      throw new Error('reading must be a JSON object');
    }
    return this.record(ctx, [ReadingInput.from(raw)], 'ReadingRecorded');
  }

  /** Records up to 500 readings (a JSON array) in one transaction; all or nothing. */
  @Transaction()
  @Param('readingsJson', 'string', 'JSON array of readings')
  @Returns('string')
  public async recordReadings(ctx: Context, readingsJson: string): Promise<string> {
    let raw: unknown;
    try {
      raw = JSON.parse(readingsJson);
    } catch {
      throw new Error('readings must be a JSON array');
    }
    if (!Array.isArray(raw)) throw new Error('readings must be a JSON array');
    if (raw.length === 0) throw new Error('readings must not be empty');
    if (raw.length > MAX_READINGS_PER_BATCH)
      throw new Error(`readings must hold at most ${MAX_READINGS_PER_BATCH} readings, got ${raw.length}`);
    return this.record(
      ctx,
      raw.map((r, i) => ReadingInput.from(r, `readings[${i}]`)),
      'ReadingsRecorded',
    );
  }

  /**
   * Readings of a shipment whose device timestamp lies in [fromTs, toTs] (empty string: unbounded),
   * in key order (device, sequence). pageSize 1-1000; bookmark '' for the first page.
   * Returns {readings, count, bookmark} with bookmark '' after the last page.
   */
  @Transaction(false)
  @Returns('string')
  public async getReadings(
    ctx: Context,
    shipmentId: string,
    fromTs: string,
    toTs: string,
    pageSize: number,
    bookmark: string,
  ): Promise<string> {
    await this.readableShipment(ctx, shipmentId);
    const from =
      fromTs === '' || fromTs === undefined ? -Infinity : epochMs(requireIsoTimestamp(fromTs, 'fromTs'));
    const to = toTs === '' || toTs === undefined ? Infinity : epochMs(requireIsoTimestamp(toTs, 'toTs'));
    if (from > to) throw new Error('fromTs must not be after toTs');
    const size = Number(pageSize);
    if (!Number.isInteger(size) || size < 1 || size > 1000)
      throw new Error('pageSize must be an integer from 1 to 1000');
    const readings: Reading[] = [];
    let mark = typeof bookmark === 'string' ? bookmark : '';
    do {
      const want = size - readings.length;
      const { iterator, metadata } = await ctx.stub.getStateByPartialCompositeKeyWithPagination(
        READING,
        [shipmentId],
        want,
        mark,
      );
      let fetched = 0;
      try {
        for (let res = await iterator.next(); !res.done; res = await iterator.next()) {
          fetched++;
          const r = fromBytes<Reading>(res.value.value);
          const t = epochMs(r.timestamp);
          if (t >= from && t <= to) readings.push(r);
        }
      } finally {
        await iterator.close();
      }
      mark = metadata.bookmark ?? '';
      if (fetched < want) mark = '';
    } while (mark !== '' && readings.length < size);
    return stableStringify({ readings, count: readings.length, bookmark: mark });
  }

  /** Violations of a shipment's conditions, in key order: [{shipmentId, deviceId, sequence, timestamp, violations}]. */
  @Transaction(false)
  @Returns('string')
  public async getViolations(ctx: Context, shipmentId: string): Promise<string> {
    await this.readableShipment(ctx, shipmentId);
    return stableStringify(await this.scan<unknown>(ctx, VIOLATION, shipmentId));
  }

  /**
   * Derived at read time from the shipment's reading and violation keys (no aggregate key exists):
   * {shipmentId, count, devices: {id: {count, firstSequence, lastSequence}}, sensors: {field: {min, max, count}},
   * route: [{lat, lon, timestamp, deviceId, sequence}] in device-time order, violations: [...], violationCount}.
   */
  @Transaction(false)
  @Returns('string')
  public async getShipmentSummary(ctx: Context, shipmentId: string): Promise<string> {
    await this.readableShipment(ctx, shipmentId);
    const readings = await this.scan<Reading>(ctx, READING, shipmentId);
    const sensors: Partial<Record<SensorField, { min: number; max: number; count: number }>> = {};
    const devices: Record<string, { count: number; firstSequence: number; lastSequence: number }> = {};
    const route: {
      lat: number;
      lon: number;
      timestamp: string;
      deviceId: string;
      sequence: number;
      t: number;
    }[] = [];
    for (const r of readings) {
      for (const field of SENSOR_FIELDS) {
        const v = r[field];
        if (v === undefined) continue;
        const s = sensors[field];
        if (!s) sensors[field] = { min: v, max: v, count: 1 };
        else {
          s.min = Math.min(s.min, v);
          s.max = Math.max(s.max, v);
          s.count++;
        }
      }
      const d = devices[r.deviceId];
      if (!d) devices[r.deviceId] = { count: 1, firstSequence: r.sequence, lastSequence: r.sequence };
      else {
        d.count++;
        d.firstSequence = Math.min(d.firstSequence, r.sequence);
        d.lastSequence = Math.max(d.lastSequence, r.sequence);
      }
      if (r.location)
        route.push({
          lat: r.location.lat,
          lon: r.location.lon,
          timestamp: r.timestamp,
          deviceId: r.deviceId,
          sequence: r.sequence,
          t: epochMs(r.timestamp),
        });
    }
    route.sort(
      (a, b) =>
        a.t - b.t || (a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : a.sequence - b.sequence),
    );
    const violations = await this.scan<unknown>(ctx, VIOLATION, shipmentId);
    return stableStringify({
      shipmentId,
      count: readings.length,
      devices,
      sensors,
      route: route.map(({ t: _t, ...p }) => p),
      violations,
      violationCount: violations.length,
    });
  }

  private async readableShipment(ctx: Context, shipmentId: string): Promise<void> {
    requireId(shipmentId, 'shipmentId');
    const s = await readShipment(ctx, shipmentId);
    if (!s) throw new Error(`shipment ${shipmentId} does not exist`);
    const caller = callerOf(ctx);
    if (!readerMsps(s).has(caller.mspId))
      throw new Error(`${caller.partyId} may not read shipment ${shipmentId}`);
  }

  /** Every value under a partial key, fetched in pages so no single query is unbounded. */
  private async scan<T>(ctx: Context, objectType: string, shipmentId: string): Promise<T[]> {
    const out: T[] = [];
    let mark = '';
    do {
      const { iterator, metadata } = await ctx.stub.getStateByPartialCompositeKeyWithPagination(
        objectType,
        [shipmentId],
        SCAN_PAGE,
        mark,
      );
      let fetched = 0;
      try {
        for (let res = await iterator.next(); !res.done; res = await iterator.next()) {
          fetched++;
          out.push(fromBytes<T>(res.value.value));
        }
      } finally {
        await iterator.close();
      }
      mark = fetched < SCAN_PAGE ? '' : (metadata.bookmark ?? '');
    } while (mark !== '');
    return out;
  }

  private async record(ctx: Context, inputs: ReadingInput[], eventName: string): Promise<string> {
    const caller = callerOf(ctx);
    const submitterId = await deviceIdByEnrollment(ctx, caller.mspId, caller.enrollmentId);
    if (!submitterId) throw new Error(`${caller.partyId} is not a registered device`);
    const devices = new Map<string, Device | undefined>();
    const device = async (id: string) => {
      if (!devices.has(id)) devices.set(id, await readDevice(ctx, id));
      return devices.get(id);
    };
    const submitter = await device(submitterId);
    if (!submitter) throw new Error(`${caller.partyId} is not a registered device`);
    if (!submitter.active) throw new Error(`device ${submitter.id} is deactivated`);
    const specs = new Map<string, ShipmentSpec>();
    const allowed = new Set<string>();
    const seen = new Map<string, string>();
    const at = txTime(ctx);
    const txId = ctx.stub.getTxID();
    const recorded: Reading[] = [];
    const violated: Violated[] = [];
    let duplicates = 0;

    for (const input of inputs) {
      // Authorisation: the device itself, or the gateway it is registered behind.
      const target = await device(input.deviceId);
      if (!target) throw new Error(`device ${input.deviceId} does not exist`);
      if (target.id !== submitter.id && !(submitter.kind === 'gateway' && target.gatewayId === submitter.id))
        throw new Error(`device ${submitter.id} may not report for device ${target.id}`);
      if (!target.active) throw new Error(`device ${target.id} is deactivated`);
      let spec = specs.get(input.shipmentId);
      if (!spec) {
        spec = await readSpec(ctx, input.shipmentId);
        if (!spec) throw new Error(`shipment ${input.shipmentId} does not exist`);
        specs.set(input.shipmentId, spec);
      }
      const bindKey = `${input.shipmentId}\u0000${target.id}`;
      if (!allowed.has(bindKey)) {
        const ok =
          spec.devices.includes(target.id) ||
          (await readBinding(ctx, input.shipmentId, target.id)) !== undefined ||
          (target.gatewayId !== undefined &&
            (spec.devices.includes(target.gatewayId) ||
              (await readBinding(ctx, input.shipmentId, target.gatewayId)) !== undefined));
        if (!ok) throw new Error(`device ${target.id} is not bound to shipment ${input.shipmentId}`);
        allowed.add(bindKey);
      }

      // Idempotency on device + sequence, across shipments and within the batch.
      const content = readingContent(input);
      const label = `reading ${input.deviceId}/${input.sequence}`;
      const inBatch = seen.get(`${input.deviceId}/${input.sequence}`);
      if (inBatch !== undefined) {
        if (inBatch !== content) throw new Error(`${label} already recorded with different content`);
        duplicates++;
        continue;
      }
      seen.set(`${input.deviceId}/${input.sequence}`, content);
      const indexKey = readingByDeviceKey(ctx, input.deviceId, input.sequence);
      const existing = await ctx.stub.getState(indexKey);
      if (existing && existing.length > 0) {
        if (fromBytes<{ content: string }>(existing).content !== content)
          throw new Error(`${label} already recorded with different content`);
        duplicates++;
        continue;
      }

      const violations: ConditionViolation[] = [];
      for (const c of spec.conditions) {
        const v = input[c.field];
        if (v !== undefined && (v < c.min || v > c.max)) {
          const cv = new ConditionViolation();
          Object.assign(cv, { field: c.field, value: v, min: c.min, max: c.max });
          violations.push(cv);
        }
      }
      const reading = new Reading();
      Object.assign(reading, input, {
        docType: 'reading',
        submittedBy: caller.partyId,
        txId,
        recordedAt: at,
        violations,
      });
      await ctx.stub.putState(indexKey, toBytes({ shipmentId: input.shipmentId, content }));
      await ctx.stub.putState(
        readingKey(ctx, input.shipmentId, input.deviceId, input.sequence),
        toBytes(reading),
      );
      if (violations.length > 0) {
        await ctx.stub.putState(
          violationKey(ctx, input.shipmentId, input.deviceId, input.sequence),
          toBytes({
            shipmentId: input.shipmentId,
            deviceId: input.deviceId,
            sequence: input.sequence,
            timestamp: input.timestamp,
            violations,
            txId,
            recordedAt: at,
          }),
        );
        for (const v of violations)
          violated.push({
            shipmentId: input.shipmentId,
            deviceId: input.deviceId,
            sequence: input.sequence,
            timestamp: input.timestamp,
            ...v,
          });
      }
      recorded.push(reading);
    }

    if (recorded.length > 0) {
      // Fabric keeps one event per transaction: a violation takes precedence and carries the batch summary.
      const shipments = [...specs.values()].filter((s) => recorded.some((r) => r.shipmentId === s.id));
      const seqs = recorded.map((r) => r.sequence);
      const summary = {
        count: recorded.length,
        duplicates,
        fromSequence: Math.min(...seqs),
        toSequence: Math.max(...seqs),
        shipmentIds: [...new Set(recorded.map((r) => r.shipmentId))].sort(),
        deviceIds: [...new Set(recorded.map((r) => r.deviceId))].sort(),
        submittedBy: caller.partyId,
        parties: [...new Set(shipments.flatMap((s) => [s.sender, s.receiver]))].sort(),
      };
      const first = violated[0];
      if (first) {
        ctx.stub.setEvent('ConditionViolated', toBytes({ ...summary, ...first, violations: violated }));
      } else {
        const one = recorded.length === 1 ? recorded[0] : undefined;
        ctx.stub.setEvent(
          eventName,
          toBytes({
            ...summary,
            shipmentId: one?.shipmentId ?? summary.shipmentIds[0],
            deviceId: one?.deviceId ?? summary.deviceIds[0],
          }),
        );
      }
    }
    return stableStringify({ recorded: recorded.length, duplicates, violations: violated });
  }
}
