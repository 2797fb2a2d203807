// Readings (seed 4.1, 4.3): recordReading / recordReadings from a device bound to the shipment (or
// its gateway). Each reading has its own key (device + sequence), so concurrent devices never share a
// key (rule 5); replays are no-ops (rule 4). A device running a "threshold" rule records only crossings
// plus periodic sensor summaries (recordSummary: min/max per sensor), which take a sequence number from
// the same per-device space. Shipment summaries are derived at read time by range scans.
import { Context, Contract, Info, Param, Returns, Transaction } from 'fabric-contract-api';
import { Device, deviceIdByEnrollment, readBinding, readDevice } from './device.type';
import {
  ConditionViolation,
  MAX_READINGS_PER_BATCH,
  READING,
  Reading,
  ReadingInput,
  SUMMARY,
  SensorSummaryRecord,
  SummaryInput,
  VIOLATION,
  epochMs,
  readingByDeviceKey,
  readingContent,
  readingKey,
  requireIsoTimestamp,
  summaryContent,
  summaryKey,
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
import { type Caller, callerOf } from './util/identity';
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
   * Records one sensor summary {shipmentId, deviceId, sequence, from, to, count, sensors: {temperature?,
   * humidity?, pressure?: {min, max}}}, authorised as a reading. Its sequence is taken from the device's
   * sequence space shared with readings: a replay is a no-op, other content under it is refused.
   * Returns {recorded, duplicates, violations}; emits SummaryRecorded (or ConditionViolated in its place).
   */
  @Transaction()
  @Param(
    'summaryJson',
    'string',
    '{shipmentId, deviceId, sequence, from, to, count, sensors: {temperature?, humidity?, pressure?: {min, max}}}',
  )
  @Returns('string')
  public async recordSummary(ctx: Context, summaryJson: string): Promise<string> {
    let raw: unknown;
    try {
      raw = JSON.parse(summaryJson);
    } catch {
      throw new Error('summary must be a JSON object');
    }
    const input = SummaryInput.from(raw);
    const auth = await ReportAuthority.of(ctx);
    const spec = await auth.authorise(input.shipmentId, input.deviceId);
    const content = summaryContent(input);
    if (await claimSequence(ctx, input, content, `summary ${input.deviceId}/${input.sequence}`))
      return stableStringify({ recorded: 0, duplicates: 1, violations: [] });

    // A summary violates a condition when its range leaves the condition's: its min below, its max above.
    const violations: ConditionViolation[] = [];
    for (const c of spec.conditions) {
      const range = input.sensors[c.field];
      if (!range) continue;
      if (range.min < c.min) violations.push(violation(c, range.min));
      if (range.max > c.max) violations.push(violation(c, range.max));
    }
    const at = txTime(ctx);
    const txId = ctx.stub.getTxID();
    const record = new SensorSummaryRecord();
    Object.assign(record, input, {
      docType: 'summary',
      submittedBy: auth.caller.partyId,
      txId,
      recordedAt: at,
      violations,
    });
    await ctx.stub.putState(
      summaryKey(ctx, input.shipmentId, input.deviceId, input.sequence),
      toBytes(record),
    );
    const violated = await writeViolations(ctx, input, input.to, violations, txId, at);
    emitRecorded(ctx, auth, [input], 0, violated, 'SummaryRecorded', () => ({
      shipmentId: input.shipmentId,
      deviceId: input.deviceId,
      sequence: input.sequence,
      summary: {
        sequence: input.sequence,
        from: input.from,
        to: input.to,
        count: input.count,
        sensors: input.sensors,
      },
      violations: violated,
    }));
    return stableStringify({ recorded: 1, duplicates: 0, violations: violated });
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
   * Sensor summaries of a shipment in key order (device, sequence): [{shipmentId, deviceId, sequence,
   * from, to, count, sensors, docType, submittedBy, txId, recordedAt, violations}].
   */
  @Transaction(false)
  @Returns('string')
  public async getSummaries(ctx: Context, shipmentId: string): Promise<string> {
    await this.readableShipment(ctx, shipmentId);
    return stableStringify(await this.scan<SensorSummaryRecord>(ctx, SUMMARY, shipmentId));
  }

  /**
   * Derived at read time from the shipment's reading, summary and violation keys (no aggregate key exists):
   * {shipmentId, count, devices: {id: {count, firstSequence, lastSequence}}, sensors: {field: {min, max, count}},
   * route: [{lat, lon, timestamp, deviceId, sequence}] in device-time order, violations: [...], violationCount,
   * summaryCount}. Summaries widen a field's min/max; its count stays the number of readings carrying it
   * (devices, count and route count readings only).
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
    const summaries = await this.scan<SensorSummaryRecord>(ctx, SUMMARY, shipmentId);
    for (const sm of summaries) {
      for (const field of SENSOR_FIELDS) {
        const range = sm.sensors[field];
        if (!range) continue;
        const s = sensors[field];
        if (!s) sensors[field] = { min: range.min, max: range.max, count: 0 };
        else {
          s.min = Math.min(s.min, range.min);
          s.max = Math.max(s.max, range.max);
        }
      }
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
      summaryCount: summaries.length,
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
    const auth = await ReportAuthority.of(ctx);
    const seen = new Map<string, string>();
    const at = txTime(ctx);
    const txId = ctx.stub.getTxID();
    const recorded: Reading[] = [];
    const violated: Violated[] = [];
    let duplicates = 0;

    for (const input of inputs) {
      const spec = await auth.authorise(input.shipmentId, input.deviceId);

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
      if (await claimSequence(ctx, input, content, label)) {
        duplicates++;
        continue;
      }

      const violations: ConditionViolation[] = [];
      for (const c of spec.conditions) {
        const v = input[c.field];
        if (v !== undefined && (v < c.min || v > c.max)) violations.push(violation(c, v));
      }
      const reading = new Reading();
      Object.assign(reading, input, {
        docType: 'reading',
        submittedBy: auth.caller.partyId,
        txId,
        recordedAt: at,
        violations,
      });
      await ctx.stub.putState(
        readingKey(ctx, input.shipmentId, input.deviceId, input.sequence),
        toBytes(reading),
      );
      violated.push(...(await writeViolations(ctx, input, input.timestamp, violations, txId, at)));
      recorded.push(reading);
    }

    if (recorded.length > 0) {
      const one = recorded.length === 1 ? recorded[0] : undefined;
      emitRecorded(ctx, auth, recorded, duplicates, violated, eventName, (batch) => ({
        shipmentId: one?.shipmentId ?? batch.shipmentIds[0],
        deviceId: one?.deviceId ?? batch.deviceIds[0],
      }));
    }
    return stableStringify({ recorded: recorded.length, duplicates, violations: violated });
  }
}

/**
 * Authorisation of the reading path (readings and summaries alike): the submitter is a registered,
 * active device; it reports for itself or, as a gateway, for a device registered behind it; the target
 * device is active and bound to the shipment (listed in its spec or bound later, itself or its gateway).
 * Devices, specs and bindings are read once per transaction.
 */
class ReportAuthority {
  /** Specs of the shipments authorised so far, by id. */
  public readonly specs = new Map<string, ShipmentSpec>();
  private readonly allowed = new Set<string>();

  private constructor(
    private readonly ctx: Context,
    public readonly caller: Caller,
    private readonly submitter: Device,
    private readonly devices: Map<string, Device | undefined>,
  ) {}

  public static async of(ctx: Context): Promise<ReportAuthority> {
    const caller = callerOf(ctx);
    const submitterId = await deviceIdByEnrollment(ctx, caller.mspId, caller.enrollmentId);
    if (!submitterId) throw new Error(`${caller.partyId} is not a registered device`);
    const submitter = await readDevice(ctx, submitterId);
    if (!submitter) throw new Error(`${caller.partyId} is not a registered device`);
    if (!submitter.active) throw new Error(`device ${submitter.id} is deactivated`);
    return new ReportAuthority(ctx, caller, submitter, new Map([[submitter.id, submitter]]));
  }

  /** Checks that the caller may report for `deviceId` on `shipmentId`; returns the shipment's spec. */
  public async authorise(shipmentId: string, deviceId: string): Promise<ShipmentSpec> {
    const { ctx, submitter } = this;
    const target = await this.device(deviceId);
    if (!target) throw new Error(`device ${deviceId} does not exist`);
    if (target.id !== submitter.id && !(submitter.kind === 'gateway' && target.gatewayId === submitter.id))
      throw new Error(`device ${submitter.id} may not report for device ${target.id}`);
    if (!target.active) throw new Error(`device ${target.id} is deactivated`);
    let spec = this.specs.get(shipmentId);
    if (!spec) {
      spec = await readSpec(ctx, shipmentId);
      if (!spec) throw new Error(`shipment ${shipmentId} does not exist`);
      this.specs.set(shipmentId, spec);
    }
    const bindKey = `${shipmentId}\u0000${target.id}`;
    if (!this.allowed.has(bindKey)) {
      const ok =
        spec.devices.includes(target.id) ||
        (await readBinding(ctx, shipmentId, target.id)) !== undefined ||
        (target.gatewayId !== undefined &&
          (spec.devices.includes(target.gatewayId) ||
            (await readBinding(ctx, shipmentId, target.gatewayId)) !== undefined));
      if (!ok) throw new Error(`device ${target.id} is not bound to shipment ${shipmentId}`);
      this.allowed.add(bindKey);
    }
    return spec;
  }

  private async device(id: string): Promise<Device | undefined> {
    if (!this.devices.has(id)) this.devices.set(id, await readDevice(this.ctx, id));
    return this.devices.get(id);
  }
}

/**
 * Claims `deviceId/sequence` in the device's sequence space (shared by readings and summaries) for
 * `content`. Returns true if the same content already holds it (a replay: nothing to write); throws if
 * different content does; otherwise writes the by-device index key and returns false.
 */
async function claimSequence(
  ctx: Context,
  r: { shipmentId: string; deviceId: string; sequence: number },
  content: string,
  label: string,
): Promise<boolean> {
  const indexKey = readingByDeviceKey(ctx, r.deviceId, r.sequence);
  const existing = await ctx.stub.getState(indexKey);
  if (existing && existing.length > 0) {
    if (fromBytes<{ content: string }>(existing).content !== content)
      throw new Error(`${label} already recorded with different content`);
    return true;
  }
  await ctx.stub.putState(indexKey, toBytes({ shipmentId: r.shipmentId, content }));
  return false;
}

function violation(c: { field: SensorField; min: number; max: number }, value: number): ConditionViolation {
  const cv = new ConditionViolation();
  Object.assign(cv, { field: c.field, value, min: c.min, max: c.max });
  return cv;
}

/** Stores the violations of one reading or summary under its violation key; returns them for the event. */
async function writeViolations(
  ctx: Context,
  r: { shipmentId: string; deviceId: string; sequence: number },
  timestamp: string,
  violations: ConditionViolation[],
  txId: string,
  at: string,
): Promise<Violated[]> {
  if (violations.length === 0) return [];
  await ctx.stub.putState(
    violationKey(ctx, r.shipmentId, r.deviceId, r.sequence),
    toBytes({
      shipmentId: r.shipmentId,
      deviceId: r.deviceId,
      sequence: r.sequence,
      timestamp,
      violations,
      txId,
      recordedAt: at,
    }),
  );
  return violations.map((v) => ({
    shipmentId: r.shipmentId,
    deviceId: r.deviceId,
    sequence: r.sequence,
    timestamp,
    field: v.field,
    value: v.value,
    min: v.min,
    max: v.max,
  }));
}

interface BatchPayload {
  count: number;
  duplicates: number;
  fromSequence: number;
  toSequence: number;
  shipmentIds: string[];
  deviceIds: string[];
  submittedBy: string;
  parties: string[];
}

/**
 * The one event of a recording transaction (Fabric keeps one per transaction): `eventName` with the
 * batch payload plus `extra`, or ConditionViolated in its place, which also carries the first violation
 * at the top level and all of them in `violations`.
 */
function emitRecorded(
  ctx: Context,
  auth: ReportAuthority,
  recorded: { shipmentId: string; deviceId: string; sequence: number }[],
  duplicates: number,
  violated: Violated[],
  eventName: string,
  extra: (batch: BatchPayload) => Record<string, unknown>,
): void {
  const shipments = [...auth.specs.values()].filter((s) => recorded.some((r) => r.shipmentId === s.id));
  const seqs = recorded.map((r) => r.sequence);
  const batch: BatchPayload = {
    count: recorded.length,
    duplicates,
    fromSequence: Math.min(...seqs),
    toSequence: Math.max(...seqs),
    shipmentIds: [...new Set(recorded.map((r) => r.shipmentId))].sort(),
    deviceIds: [...new Set(recorded.map((r) => r.deviceId))].sort(),
    submittedBy: auth.caller.partyId,
    parties: [...new Set(shipments.flatMap((s) => [s.sender, s.receiver]))].sort(),
  };
  const first = violated[0];
  if (first) {
    ctx.stub.setEvent(
      'ConditionViolated',
      toBytes({ ...batch, ...extra(batch), ...first, violations: violated }),
    );
  } else {
    ctx.stub.setEvent(eventName, toBytes({ ...batch, ...extra(batch) }));
  }
}
