import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import 'reflect-metadata';
import { contracts } from '../../chaincode/src/index';
import { commonNameFromId } from '../../chaincode/src/util/identity';
import { stableStringify } from '../../chaincode/src/util/stable';

void describe('chaincode utilities', () => {
  void test('stableStringify sorts keys at every level and drops undefined', () => {
    assert.equal(
      stableStringify({ b: 1, a: { d: [{ z: 1, y: 2 }], c: undefined } }),
      '{"a":{"d":[{"y":2,"z":1}]},"b":1}',
    );
  });

  void test('commonNameFromId reads the subject CN of a fabric-shim id, including escaped slashes', () => {
    assert.equal(
      commonNameFromId(
        'x509::/C=US/ST=North Carolina/O=Hyperledger/OU=client/CN=User1@org1.example.com::/C=US/CN=ca.org1.example.com',
      ),
      'User1@org1.example.com',
    );
    assert.equal(commonNameFromId('x509::/OU=client/CN=a\\/b::/CN=ca'), 'a/b');
    assert.equal(commonNameFromId('x509::/OU=client::/CN=ca'), undefined);
  });

  void test('contracts are exported with decorator metadata (fails if the build drops emitDecoratorMetadata)', () => {
    const names = contracts.map((C) => new C().getName());
    for (const n of ['negotiation', 'order', 'reputation'])
      assert.ok(names.includes(n), `${n} missing from contracts`);
    const N = contracts.find((C) => new C().getName() === 'negotiation');
    assert.ok(N);
    const txs = Reflect.getMetadata('fabric:transactions', N.prototype) as {
      name: string;
      parameters: { name: string }[];
    }[];
    assert.ok(Array.isArray(txs), 'no fabric:transactions metadata');
    const byName = new Map(txs.map((t) => [t.name, t]));
    for (const t of ['createOffer', 'counterOffer', 'accept', 'reject', 'getNegotiation', 'getMany'])
      assert.ok(byName.has(t), `${t} not a transaction`);
    assert.deepEqual(
      byName.get('counterOffer')?.parameters.map((p) => p.name),
      ['negotiationId', 'counterJson'],
    );
  });
});
