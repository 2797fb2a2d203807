// Protobuf-style unsigned varints for JS numbers. Block and tx numbers are kept as `number`
// throughout the ledger: they are exact below 2^53, far beyond any realistic chain height.

const TWO_POW_32 = 0x1_0000_0000;

export function varintSize(value: number): number {
  let size = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 128);
    size++;
  }
  return size;
}

/** Writes `value` at `offset` and returns the offset just past it. */
export function writeVarint(target: Uint8Array, offset: number, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`varint out of range: ${value}`);
  while (value >= 0x80) {
    target[offset++] = (value % 128) | 0x80;
    value = Math.floor(value / 128);
  }
  target[offset++] = value;
  return offset;
}

export function encodeVarint(value: number): Uint8Array {
  const out = new Uint8Array(varintSize(value));
  writeVarint(out, 0, value);
  return out;
}

export interface VarintRead {
  value: number;
  /** Offset just past the varint. */
  next: number;
}

/**
 * Reads a varint at `offset`; returns undefined when the buffer ends before the varint does
 * (a torn write), and throws RangeError when it is longer than a safe integer allows.
 */
export function readVarint(
  source: Uint8Array,
  offset: number,
  end: number = source.length,
): VarintRead | undefined {
  let value = 0;
  let multiplier = 1;
  for (let i = offset; i < end; i++) {
    const byte = source[i]!;
    value += (byte & 0x7f) * multiplier;
    if ((byte & 0x80) === 0) {
      if (!Number.isSafeInteger(value)) throw new RangeError('varint exceeds 2^53');
      return { value, next: i + 1 };
    }
    multiplier *= 128;
    if (multiplier > TWO_POW_32 * TWO_POW_32) throw new RangeError('varint longer than 10 bytes');
  }
  return undefined;
}
