// SHA-256 digests given by callers (idea content, certified data sets).

export const SHA256_PATTERN = /^[0-9a-fA-F]{64}$/;

/** A SHA-256 digest as 64 hexadecimal characters; returned lower-case so replays and verification compare equal. */
export function requireSha256(value: unknown, name: string): string {
  if (typeof value !== 'string' || !SHA256_PATTERN.test(value))
    throw new Error(`${name} must be 64 hexadecimal characters`);
  return value.toLowerCase();
}
