// Small input validators shared by the contracts; every failure names the field and the rule.

/** Entity ids chosen by callers: letters, digits, '.', '_', '-' (no ':' so composite ids stay parseable). */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function requireId(value: unknown, name: string): string {
  if (typeof value !== 'string' || !ID_PATTERN.test(value)) {
    throw new Error(
      `${name} must be 1-128 characters of letters, digits, '.', '_' or '-', starting with a letter or digit`,
    );
  }
  return value;
}

export function parseJsonObject(json: string, name: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new Error(`${name} must be a JSON object`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error(`${name} must be a JSON object`);
  }
  return parsed as Record<string, unknown>;
}

export function rejectUnknownFields(
  obj: Record<string, unknown>,
  allowed: readonly string[],
  name: string,
): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) throw new Error(`${name} has unknown field '${key}'`);
  }
}

export function optionalText(value: unknown, name: string, max: number): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.length > max)
    throw new Error(`${name} must be a string of at most ${max} characters`);
  return value;
}

export function requireText(value: unknown, name: string, max: number): string {
  if (typeof value !== 'string' || value.trim().length === 0 || value.length > max) {
    throw new Error(`${name} must be a non-empty string of at most ${max} characters`);
  }
  return value;
}

export const MAX_BATCH = 100;

/** Parses a getMany argument: a JSON array of 0..100 ids (strings). */
export function parseIdList(json: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new Error('ids must be a JSON array of strings');
  }
  if (!Array.isArray(parsed) || !parsed.every((v) => typeof v === 'string')) {
    throw new Error('ids must be a JSON array of strings');
  }
  if (parsed.length > MAX_BATCH)
    throw new Error(`ids must hold at most ${MAX_BATCH} ids, got ${parsed.length}`);
  return parsed;
}
