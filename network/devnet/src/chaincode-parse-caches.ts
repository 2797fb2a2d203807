// Preloaded (`node --require`) into every chaincode server the devnet starts, beside the watchdog.
//
// For every transaction, fabric-contract-api builds a ClientIdentity, which parses the creator's
// certificate with @fidm/x509 (pure-JS ASN.1, ~0.1 ms), and checks each argument with an ajv validator
// that ajv finds in its cache only after serialising the whole schema (~30 µs). Together that was 40 % of
// a busy chaincode server's CPU in the devnet benchmark (0.25 → 0.15 ms per transaction, 870 → 970 tps).
// Clients send the same few certificates and call the same functions over and over, so both results are
// remembered here: parsed certificates by their PEM text, validators by the schema objects fabric-shim
// builds them from. Both are pure functions of those inputs, and the shim only reads what they return.
import { shimDependencyCopies } from './chaincode-shim-deps';

/** Parsed certificates kept; a client identity is one entry, so this covers a fleet of clients. */
export const CERTIFICATE_CACHE_ENTRIES = 512;

interface CertificateClass {
  fromPEM(this: unknown, data: unknown): unknown;
}

/** Wraps `Certificate.fromPEM` so that each PEM text is parsed once (failed parses still throw each time). */
export function memoizeCertificateParsing(certificate: CertificateClass): void {
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called below with the class as `this`
  const parse = certificate.fromPEM;
  const parsed = new Map<string, unknown>();
  certificate.fromPEM = function (this: unknown, data: unknown): unknown {
    const pem = typeof data === 'string' ? data : Buffer.isBuffer(data) ? data.toString('latin1') : undefined;
    if (pem === undefined) return parse.call(this, data);
    const known = parsed.get(pem);
    if (known !== undefined) return known;
    const result = parse.call(this, data);
    // Drop the oldest entry: a Map iterates in insertion order.
    if (parsed.size >= CERTIFICATE_CACHE_ENTRIES) parsed.delete(parsed.keys().next().value as string);
    parsed.set(pem, result);
    return result;
  };
}

interface AjvPrototype {
  compile(this: object, schema: unknown): unknown;
}

/**
 * The schema fabric-shim's DataMarshall builds per argument: `{ properties: { prop: <the parameter's
 * schema> }, components: { schemas: <the contract's components> } }`, a new wrapper around the same two
 * metadata objects each time. Those are built once when the contract loads and never changed.
 */
function argumentSchemaParts(schema: unknown): [prop: object, components: object] | undefined {
  if (typeof schema !== 'object' || schema === null || Object.keys(schema).length !== 2) return undefined;
  const { properties, components } = schema as { properties?: unknown; components?: unknown };
  const prop = soleObjectProperty(properties, 'prop');
  const schemas = soleObjectProperty(components, 'schemas');
  return prop && schemas ? [prop, schemas] : undefined;
}

/** `value[key]` when `value` is an object with that one key and its value is an object. */
function soleObjectProperty(value: unknown, key: string): object | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const keys = Object.keys(value);
  if (keys.length !== 1 || keys[0] !== key) return undefined;
  const inner = (value as Record<string, unknown>)[key];
  return typeof inner === 'object' && inner !== null ? inner : undefined;
}

/**
 * Wraps `Ajv.prototype.compile` so that an argument schema made of metadata objects already compiled gets
 * the validator compiled then, which is the very function ajv's own cache would return, without
 * serialising the schema again. Any other schema goes to ajv unchanged.
 */
export function memoizeArgumentValidators(ajv: { prototype: AjvPrototype }): void {
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called below with the instance as `this`
  const compile = ajv.prototype.compile;
  const byInstance = new WeakMap<object, WeakMap<object, WeakMap<object, unknown>>>();
  ajv.prototype.compile = function (this: object, schema: unknown): unknown {
    const parts = argumentSchemaParts(schema);
    if (!parts) return compile.call(this, schema);
    const [prop, components] = parts;
    let byProp = byInstance.get(this);
    if (!byProp) byInstance.set(this, (byProp = new WeakMap()));
    let byComponents = byProp.get(prop);
    if (!byComponents) byProp.set(prop, (byComponents = new WeakMap()));
    let validator = byComponents.get(components);
    if (validator === undefined) {
      validator = compile.call(this, schema);
      byComponents.set(components, validator);
    }
    return validator;
  };
}

for (const file of shimDependencyCopies('@fidm/x509')) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a path found at run time
  const x509 = require(file) as { Certificate?: Partial<CertificateClass> };
  if (typeof x509.Certificate?.fromPEM === 'function')
    memoizeCertificateParsing(x509.Certificate as CertificateClass);
}

for (const file of shimDependencyCopies('ajv')) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a path found at run time
  const ajv = require(file) as { prototype?: Partial<AjvPrototype> };
  if (typeof ajv.prototype?.compile === 'function')
    memoizeArgumentValidators(ajv as { prototype: AjvPrototype });
}
