// Deterministic JSON: object keys sorted at every level, so the same value always marshals to the
// same bytes on every endorsing peer (DESIGN rule 3). `undefined` members are dropped, as JSON does.
export function stableStringify(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : sortKeys(v)));
  if (value !== null && typeof value === 'object') {
    const src = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(src).sort()) {
      const v = src[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

/** Stable JSON as bytes, for putState and setEvent. */
export function toBytes(value: unknown): Uint8Array {
  return Buffer.from(stableStringify(value), 'utf8');
}

/** Parses bytes written by toBytes. */
export function fromBytes<T>(bytes: Uint8Array): T {
  return JSON.parse(Buffer.from(bytes).toString('utf8')) as T;
}
