// The negotiated terms (seed Figure 20) and the counter-offer structure (seed Figure 21).
import { Object as DataType, Property } from 'fabric-contract-api';
import { isPartyId } from './util/identity';
import { optionalText, parseJsonObject, rejectUnknownFields, requireId, requireText } from './util/validate';

/** A condition on the goods, e.g. humidity between 0 and 10. */
@DataType()
export class Condition {
  @Property('field', 'string')
  public field!: string;

  @Property('min', 'number')
  public min!: number;

  @Property('max', 'number')
  public max!: number;

  public static from(raw: unknown, where: string): Condition {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
      throw new Error(`${where} must be an object {field, min, max}`);
    const obj = raw as Record<string, unknown>;
    rejectUnknownFields(obj, ['field', 'min', 'max'], where);
    const field = obj['field'];
    if (typeof field !== 'string' || !/^[A-Za-z][A-Za-z0-9_.-]{0,63}$/.test(field)) {
      throw new Error(
        `${where}.field must be a name of 1-64 letters, digits, '_', '.' or '-', starting with a letter`,
      );
    }
    const min = decimalNumber(obj['min'], `condition '${field}' min must be a number`);
    const max = decimalNumber(obj['max'], `condition '${field}' max must be a number`);
    if (min > max) throw new Error(`condition '${field}' min ${min} must not exceed max ${max}`);
    const c = new Condition();
    c.field = field;
    c.min = min;
    c.max = max;
    return c;
  }
}

/** The terms under negotiation; after acceptance, the agreed terms of the order. */
@DataType()
export class Terms {
  @Property('item', 'string')
  public item!: string;

  /** Canonical decimal string (no exponent, no leading zeros, no trailing fractional zeros). */
  @Property('price', 'string')
  public price!: string;

  @Property('quantity', 'number')
  public quantity!: number;

  @Property('currency', 'string')
  public currency!: string;

  @Property('conditions', 'Condition[]')
  public conditions!: Condition[];
}

/** createOffer's argument: Figure 20 plus the caller-chosen id. `target` (Figure 20) is accepted for `targetParty`. */
@DataType()
export class OfferInput {
  @Property('id', 'string')
  public id!: string;

  @Property('targetParty', 'string')
  public targetParty!: string;

  @Property('terms', 'Terms')
  public terms!: Terms;

  public static fromJson(json: string): OfferInput {
    const obj = parseJsonObject(json, 'offer');
    rejectUnknownFields(
      obj,
      ['id', 'item', 'price', 'quantity', 'currency', 'conditions', 'targetParty', 'target'],
      'offer',
    );
    const input = new OfferInput();
    input.id = requireId(obj['id'], 'id');
    if (
      obj['target'] !== undefined &&
      obj['targetParty'] !== undefined &&
      obj['target'] !== obj['targetParty']
    ) {
      throw new Error('target and targetParty must not differ (give one of them)');
    }
    const target = obj['targetParty'] ?? obj['target'];
    if (!isPartyId(target))
      throw new Error('targetParty must be a party id of the form <mspId>:<enrollmentId>');
    input.targetParty = target;
    const terms = new Terms();
    terms.item = parseItem(obj['item']);
    terms.price = parsePrice(obj['price']);
    terms.quantity = parseQuantity(obj['quantity']);
    terms.currency = parseCurrency(obj['currency']);
    terms.conditions = parseConditions(obj['conditions']);
    input.terms = terms;
    return input;
  }
}

export const CHANGEABLE_FIELDS = ['item', 'price', 'quantity', 'currency'] as const;
export type ChangeableField = (typeof CHANGEABLE_FIELDS)[number];

@DataType()
export class FieldChange {
  @Property('field', 'string')
  public field!: string;

  @Property('newValue', 'string')
  public newValue!: string;
}

/** counterOffer's argument, seed Figure 21. Values are stored normalised (price canonical, quantity number). */
@DataType()
export class CounterOfferInput {
  @Property('fields', 'FieldChange[]')
  public fields!: { field: ChangeableField; newValue: string | number }[];

  @Property('conditions', 'Condition[]')
  public conditions!: Condition[];

  @Property('removedConditions', 'string[]')
  public removedConditions!: string[];

  @Property('note', 'string')
  public note?: string;

  public static fromJson(json: string, negotiationId: string): CounterOfferInput {
    const obj = parseJsonObject(json, 'counter-offer');
    rejectUnknownFields(obj, ['id', 'changes', 'note'], 'counter-offer');
    if (obj['id'] !== undefined && obj['id'] !== negotiationId) {
      throw new Error(
        `counter-offer id ${JSON.stringify(obj['id'])} does not match negotiation ${negotiationId}`,
      );
    }
    const changesRaw = obj['changes'] ?? {};
    if (changesRaw === null || typeof changesRaw !== 'object' || Array.isArray(changesRaw)) {
      throw new Error('changes must be an object {fields, conditions, removedConditions}');
    }
    const changes = changesRaw as Record<string, unknown>;
    rejectUnknownFields(changes, ['fields', 'conditions', 'removedConditions'], 'changes');
    const out = new CounterOfferInput();
    out.note = optionalText(obj['note'], 'note', 1000);

    const fieldsRaw = changes['fields'] ?? [];
    if (!Array.isArray(fieldsRaw)) throw new Error('changes.fields must be an array of {field, newValue}');
    const seenFields = new Set<string>();
    out.fields = fieldsRaw.map((raw: unknown, i) => {
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
        throw new Error(`changes.fields[${i}] must be an object {field, newValue}`);
      const change = raw as Record<string, unknown>;
      rejectUnknownFields(change, ['field', 'newValue'], `changes.fields[${i}]`);
      const field = change['field'];
      if (typeof field !== 'string' || !(CHANGEABLE_FIELDS as readonly string[]).includes(field)) {
        throw new Error(
          `field '${String(field)}' cannot be changed; changeable fields are ${CHANGEABLE_FIELDS.join(', ')}`,
        );
      }
      if (seenFields.has(field)) throw new Error(`field '${field}' is changed more than once`);
      seenFields.add(field);
      const value = change['newValue'];
      switch (field as ChangeableField) {
        case 'item':
          return { field: 'item' as const, newValue: parseItem(value) };
        case 'price':
          return { field: 'price' as const, newValue: parsePrice(value) };
        case 'quantity':
          return { field: 'quantity' as const, newValue: parseQuantity(value) };
        case 'currency':
          return { field: 'currency' as const, newValue: parseCurrency(value) };
      }
    });

    out.conditions = parseConditions(changes['conditions'] ?? [], 'changes.conditions');

    const removedRaw = changes['removedConditions'] ?? [];
    if (!Array.isArray(removedRaw))
      throw new Error('changes.removedConditions must be an array of condition field names');
    out.removedConditions = removedRaw.map((raw: unknown, i) => {
      const name =
        typeof raw === 'string'
          ? raw
          : raw !== null && typeof raw === 'object'
            ? (raw as Record<string, unknown>)['field']
            : undefined;
      if (typeof name !== 'string' || name.length === 0) {
        throw new Error(`changes.removedConditions[${i}] must be a condition field name (or {field})`);
      }
      return name;
    });
    for (const name of out.removedConditions) {
      if (out.conditions.some((c) => c.field === name))
        throw new Error(`condition '${name}' is both changed and removed`);
    }
    if (new Set(out.removedConditions).size !== out.removedConditions.length)
      throw new Error('changes.removedConditions lists a condition twice');
    if (out.fields.length === 0 && out.conditions.length === 0 && out.removedConditions.length === 0) {
      throw new Error('counter-offer must change at least one field or condition (use accept to agree)');
    }
    return out;
  }

  /** Applies the changes to `current`, returning new terms. Throws if a removed condition is absent. */
  public applyTo(current: Terms): Terms {
    const next = new Terms();
    next.item = current.item;
    next.price = current.price;
    next.quantity = current.quantity;
    next.currency = current.currency;
    for (const change of this.fields) {
      if (change.field === 'quantity') next.quantity = change.newValue as number;
      else next[change.field] = change.newValue as string;
    }
    let conditions = current.conditions.map((c) => ({ ...c }));
    for (const name of this.removedConditions) {
      if (!conditions.some((c) => c.field === name))
        throw new Error(`condition '${name}' is not in the current terms`);
      conditions = conditions.filter((c) => c.field !== name);
    }
    for (const c of this.conditions) {
      const i = conditions.findIndex((x) => x.field === c.field);
      if (i >= 0) conditions[i] = { ...c };
      else conditions.push({ ...c });
    }
    next.conditions = conditions.sort((a, b) => (a.field < b.field ? -1 : a.field > b.field ? 1 : 0));
    return next;
  }
}

// ---- field validators ---------------------------------------------------------------------------

export function parseItem(value: unknown): string {
  return requireText(value, 'item', 200);
}

/** A positive decimal given as a string ("20", "19.50") or a finite number; returned canonical. */
export function parsePrice(value: unknown): string {
  let text: string;
  if (typeof value === 'number' && Number.isFinite(value)) text = String(value);
  else if (typeof value === 'string') text = value.trim();
  else throw new Error('price must be a positive decimal');
  if (!/^\d{1,18}(\.\d{1,18})?$/.test(text)) throw new Error('price must be a positive decimal');
  let [whole = '0', frac = ''] = text.split('.');
  whole = whole.replace(/^0+(?=\d)/, '');
  frac = frac.replace(/0+$/, '');
  if (/^0*$/.test(whole) && /^0*$/.test(frac)) throw new Error('price must be a positive decimal');
  return frac ? `${whole}.${frac}` : whole;
}

/** A positive integer given as a number or a string of digits ("200", Figure 20). */
export function parseQuantity(value: unknown): number {
  const n = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value.trim()) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n <= 0)
    throw new Error('quantity must be a positive integer');
  return n;
}

export function parseCurrency(value: unknown): string {
  if (typeof value !== 'string' || !/^[A-Z]{3}$/.test(value))
    throw new Error('currency must be a 3-letter ISO 4217 code in capitals (e.g. USD)');
  return value;
}

export function parseConditions(value: unknown, where = 'conditions'): Condition[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new Error(`${where} must be an array of {field, min, max}`);
  const list = value.map((raw: unknown, i) => Condition.from(raw, `${where}[${i}]`));
  const names = new Set<string>();
  for (const c of list) {
    if (names.has(c.field)) throw new Error(`condition '${c.field}' is given more than once`);
    names.add(c.field);
  }
  return list.sort((a, b) => (a.field < b.field ? -1 : a.field > b.field ? 1 : 0));
}

function decimalNumber(value: unknown, message: string): number {
  const n = typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim()) ? Number(value.trim()) : value;
  if (typeof n !== 'number' || !Number.isFinite(n)) throw new Error(message);
  return n;
}
