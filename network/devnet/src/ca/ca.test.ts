import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { attributesForCert, checkCanActOnType, checkCanRegisterAttributes, HF } from './attributes';
import { CaError } from './errors';
import { checkSecret, hashSecret, normaliseSerial, Registry, type IdentityRecord } from './registry';

const registrar = (attrs: Record<string, string>, affiliation = ''): IdentityRecord => ({
  name: 'reg',
  secretHash: '',
  type: 'client',
  affiliation,
  attrs: Object.entries(attrs).map(([name, value]) => ({ name, value, ecert: false })),
  maxEnrollments: -1,
  enrollments: 0,
  revoked: false,
});

void describe('CA attribute rules', () => {
  void it('requires hf.Registrar.Roles to register a type', () => {
    assert.throws(() => checkCanActOnType(registrar({}), 'client'), /'reg' is not a registrar/);
    assert.throws(() => checkCanActOnType(registrar({ [HF.Roles]: 'client' }), 'peer'), /type 'peer'/);
    checkCanActOnType(registrar({ [HF.Roles]: 'client,peer' }), 'peer');
    checkCanActOnType(registrar({ [HF.Roles]: '*' }), 'orderer');
  });

  void it('only delegates what the registrar holds', () => {
    const r = registrar({
      [HF.Roles]: 'client',
      [HF.Attributes]: 'app.*,hf.Registrar.Roles',
      [HF.Revoker]: 'false',
    });
    const attr = (name: string, value: string) => [{ name, value, ecert: false }];
    checkCanRegisterAttributes(r, attr('app.x', '1'));
    checkCanRegisterAttributes(r, attr(HF.Roles, 'client'));
    assert.throws(() => checkCanRegisterAttributes(r, attr('web.x', '1')), CaError);
    assert.throws(() => checkCanRegisterAttributes(r, attr(HF.Roles, 'peer')), /cannot delegate role 'peer'/);
    assert.throws(() => checkCanRegisterAttributes(r, attr(HF.EnrollmentID, 'x')), /fixed value/);
    assert.throws(
      () => checkCanRegisterAttributes(registrar({ [HF.Roles]: '*' }), attr('a', '1')),
      /has no value for 'hf.Registrar.Attributes'/,
    );
    const all = registrar({ [HF.Roles]: '*', [HF.Attributes]: '*', [HF.Revoker]: 'false' });
    assert.throws(() => checkCanRegisterAttributes(all, attr(HF.Revoker, 'true')), /does not hold it/);
  });

  void it('puts ecert attributes in the certificate by default, exactly the requested ones otherwise', () => {
    const id: IdentityRecord = {
      ...registrar({}),
      attrs: [
        { name: 'a', value: '1', ecert: true },
        { name: 'b', value: '2', ecert: false },
        { name: HF.EnrollmentID, value: 'reg', ecert: true },
      ],
    };
    assert.deepEqual(attributesForCert(id, undefined), { a: '1', [HF.EnrollmentID]: 'reg' });
    assert.deepEqual(attributesForCert(id, [{ name: 'b' }, { name: 'zz', optional: true }]), { b: '2' });
    assert.equal(attributesForCert(id, []), undefined);
    assert.throws(() => attributesForCert(id, [{ name: 'zz' }]), /Attribute 'zz' was requested/);
  });
});

void describe('CA registry', () => {
  void it('hashes secrets and persists changes atomically', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'devnet-ca-reg-'));
    try {
      const file = path.join(dir, 'registry.json');
      const hash = await hashSecret('s3cret');
      assert.ok(await checkSecret('s3cret', hash));
      assert.ok(!(await checkSecret('other', hash)));
      const reg = Registry.open(file);
      reg.update((d) => {
        d.certs.push({
          serial: normaliseSerial('00AB12'),
          aki: 'ff',
          id: 'x',
          pem: '',
          notAfter: '',
          revokedAt: 'now',
        });
      });
      assert.ok(!readFileSync(file, 'utf8').includes('s3cret'));
      assert.throws(() =>
        reg.update(() => {
          throw new Error('boom');
        }),
      );
      const again = Registry.open(file);
      assert.ok(again.isRevoked('AB12'));
      assert.ok(again.isRevoked('0ab12'));
      assert.equal(again.data.certs.length, 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
