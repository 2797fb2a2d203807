import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { CertificateAuthority } from './crypto/certs';
import {
  CERTIFICATE_CACHE_ENTRIES,
  memoizeArgumentValidators,
  memoizeCertificateParsing,
} from './chaincode-parse-caches';

// The copies fabric-shim loads, which the preload (imported above) has already wrapped.
const fromShim = createRequire(createRequire(__filename).resolve('fabric-shim/package.json'));
const { Certificate } = fromShim('@fidm/x509') as {
  Certificate: { fromPEM(pem: string | Buffer): { subject: { commonName: string }; raw: Buffer } };
};
const Ajv = fromShim('ajv') as new (options?: object) => {
  compile(schema: object): ((data: unknown) => boolean) & { errors?: unknown[] | null };
};

async function certificatePem(commonName: string): Promise<string> {
  const ca = await CertificateAuthority.create({
    commonName: 'ca.org1.example.com',
    organization: 'org1.example.com',
  });
  return (await ca.issue({ commonName, organizationalUnit: 'client', tls: false })).certPem;
}

void describe('chaincode server parse caches preload', () => {
  void it('parses each certificate PEM once and gives the same result as parsing it', async () => {
    const alice = await certificatePem('alice');
    const bob = await certificatePem('bob');
    const first = Certificate.fromPEM(alice);
    assert.equal(first.subject.commonName, 'alice');
    assert.equal(Certificate.fromPEM(alice), first, 'the second parse of the same text is the first result');
    assert.equal(Certificate.fromPEM(Buffer.from(alice)), first, 'a Buffer of the same text too');
    assert.equal(Certificate.fromPEM(bob).subject.commonName, 'bob');
    assert.throws(() => Certificate.fromPEM('not a certificate'));
    assert.throws(() => Certificate.fromPEM('not a certificate'), 'a failed parse is not remembered');
  });

  void it('keeps at most CERTIFICATE_CACHE_ENTRIES certificates, dropping the oldest', () => {
    let parses = 0;
    const fake = { fromPEM: (pem: unknown) => ({ pem, parse: ++parses }) };
    memoizeCertificateParsing(fake);
    const first = fake.fromPEM('pem-0');
    for (let i = 1; i <= CERTIFICATE_CACHE_ENTRIES; i++) fake.fromPEM(`pem-${i}`);
    assert.equal(parses, CERTIFICATE_CACHE_ENTRIES + 1);
    assert.equal(fake.fromPEM(`pem-${CERTIFICATE_CACHE_ENTRIES}`).parse, CERTIFICATE_CACHE_ENTRIES + 1);
    const again = fake.fromPEM('pem-0');
    assert.notEqual(again, first, 'the oldest entry was dropped and is parsed again');
    assert.equal(parses, CERTIFICATE_CACHE_ENTRIES + 2);
  });

  void it('reuses an argument validator for the same metadata objects and validates as ajv does', () => {
    const ajv = new Ajv({ useDefaults: true, coerceTypes: false, allErrors: true });
    const components = {
      Asset: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
    };
    const stringParam = { type: 'string' };
    const assetParam = { $ref: '#/components/schemas/Asset' };
    const wrap = (prop: object) => ({ properties: { prop }, components: { schemas: components } });

    const validateString = ajv.compile(wrap(stringParam));
    assert.equal(ajv.compile(wrap(stringParam)), validateString, 'a new wrapper around the same objects');
    assert.equal(validateString({ prop: 'x' }), true);
    assert.equal(validateString({ prop: 7 }), false);
    assert.ok(validateString.errors?.length, 'errors are reported as before');

    const validateAsset = ajv.compile(wrap(assetParam));
    assert.notEqual(validateAsset, validateString);
    assert.equal(validateAsset({ prop: { id: 'a1' } }), true);
    assert.equal(validateAsset({ prop: {} }), false);
  });

  void it('passes any other schema shape to ajv unchanged', () => {
    let compiles = 0;
    class FakeAjv {
      compile(schema: unknown): unknown {
        compiles++;
        return { schema };
      }
    }
    memoizeArgumentValidators(FakeAjv);
    const fake = new FakeAjv();
    const prop = { type: 'string' };
    const schemas = {};
    fake.compile({ type: 'string' });
    fake.compile({ type: 'string' });
    fake.compile({ properties: { prop, other: prop }, components: { schemas } });
    fake.compile({ properties: { prop }, components: { schemas }, title: 'extra' });
    assert.equal(compiles, 4);
    fake.compile({ properties: { prop }, components: { schemas } });
    fake.compile({ properties: { prop }, components: { schemas } });
    assert.equal(compiles, 5, 'only the argument shape is remembered');
    new FakeAjv().compile({ properties: { prop }, components: { schemas } });
    assert.equal(compiles, 6, 'per ajv instance, since its options shape the validator');
  });
});
