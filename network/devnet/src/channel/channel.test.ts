import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generateCryptoMaterial } from '../crypto';
import type { CryptoMaterial } from '../crypto/types';
import { common, msp, orderer } from '../protos';
import {
  blockHeaderHash,
  buildGenesisBlock,
  computeBlockDataHash,
  implicitMetaPolicy,
  parseConfigBlock,
  signaturePolicyFromString,
} from './index';

function roleOf(principal: msp.MSPPrincipal): [string, number] {
  assert.equal(principal.getPrincipalClassification(), msp.MSPPrincipal.Classification.ROLE);
  const role = msp.MSPRole.deserializeBinary(principal.getPrincipal_asU8());
  return [role.getMspIdentifier(), role.getRole()];
}

const R = msp.MSPRole.MSPRoleType;

void describe('block hashing', () => {
  void it('hashes the header as DER SEQUENCE{INTEGER, OCTET STRING, OCTET STRING}', () => {
    const header = new common.BlockHeader();
    header.setNumber(1);
    header.setPreviousHash(Buffer.alloc(32, 0x01));
    header.setDataHash(Buffer.alloc(32, 0x02));
    const der = Buffer.from(`304702010104${'20' + '01'.repeat(32)}04${'20' + '02'.repeat(32)}`, 'hex');
    assert.equal(der.length, 2 + 0x47);
    assert.deepEqual(blockHeaderHash(header), createHash('sha256').update(der).digest());
  });

  void it('pads block numbers with the high bit set and handles empty hashes', () => {
    const header = new common.BlockHeader();
    header.setNumber(128);
    const der = Buffer.from('3008020200800400' + '0400', 'hex');
    assert.deepEqual(blockHeaderHash(header), createHash('sha256').update(der).digest());
  });

  void it('hashes block data as SHA-256 of the concatenated entries', () => {
    const data = new common.BlockData();
    data.setDataList([Buffer.from('abc'), Buffer.from('def')]);
    assert.deepEqual(computeBlockDataHash(data), createHash('sha256').update('abcdef').digest());
  });
});

void describe('signaturePolicyFromString', () => {
  void it('parses AND into n-of-n over role principals', () => {
    const env = signaturePolicyFromString("AND('Org1MSP.peer','Org2MSP.peer')");
    assert.deepEqual(env.getIdentitiesList().map(roleOf), [
      ['Org1MSP', R.PEER],
      ['Org2MSP', R.PEER],
    ]);
    const rule = env.getRule()?.getNOutOf();
    assert.equal(rule?.getN(), 2);
    assert.deepEqual(
      rule?.getRulesList().map((r) => r.getSignedBy()),
      [0, 1],
    );
  });

  void it('parses OR, OutOf, all roles and numbers nested gates first like Fabric', () => {
    const env = signaturePolicyFromString("OR('A.member', OutOf(2, 'B.admin', 'C.client', 'D.orderer'))");
    assert.deepEqual(env.getIdentitiesList().map(roleOf), [
      ['B', R.ADMIN],
      ['C', R.CLIENT],
      ['D', R.ORDERER],
      ['A', R.MEMBER],
    ]);
    const top = env.getRule()?.getNOutOf();
    assert.equal(top?.getN(), 1);
    assert.equal(top?.getRulesList()[0]?.getSignedBy(), 3);
    const inner = top?.getRulesList()[1]?.getNOutOf();
    assert.equal(inner?.getN(), 2);
    assert.deepEqual(
      inner?.getRulesList().map((r) => r.getSignedBy()),
      [0, 1, 2],
    );
  });

  void it('keeps repeated principals unless asked to deduplicate', () => {
    assert.equal(signaturePolicyFromString("AND('A.peer','A.peer')").getIdentitiesList().length, 2);
    const deduped = signaturePolicyFromString("AND('A.peer', or('A.peer', 'B.peer'))", {
      dedupePrincipals: true,
    });
    assert.deepEqual(deduped.getIdentitiesList().map(roleOf), [
      ['A', R.PEER],
      ['B', R.PEER],
    ]);
    assert.equal(deduped.getRule()?.getNOutOf()?.getRulesList()[0]?.getSignedBy(), 0);
  });

  void it('rejects malformed input with PolicyParseError', () => {
    const bad = [
      '',
      "AND('Org1MSP.peer'",
      "AND('Org1MSP.boss')",
      'AND(Org1MSP.peer)',
      "XOR('A.peer')",
      "OutOf(3, 'A.peer')",
      "OutOf('A.peer', 'B.peer')",
      "'A.peer'",
      "AND('A.peer') OR('B.peer')",
      "AND('A.peer',)",
    ];
    for (const text of bad) {
      assert.throws(() => signaturePolicyFromString(text), { name: 'PolicyParseError' }, `accepted: ${text}`);
    }
  });

  void it('builds ImplicitMeta policies', () => {
    const policy = implicitMetaPolicy('MAJORITY', 'Endorsement');
    assert.equal(policy.getType(), common.Policy.PolicyType.IMPLICIT_META);
    const meta = common.ImplicitMetaPolicy.deserializeBinary(policy.getValue_asU8());
    assert.equal(meta.getRule(), common.ImplicitMetaPolicy.Rule.MAJORITY);
    assert.equal(meta.getSubPolicy(), 'Endorsement');
  });
});

void describe('buildGenesisBlock', () => {
  let root: string;
  let material: CryptoMaterial;
  void before(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'devnet-channel-'));
    material = await generateCryptoMaterial(root);
  });
  void after(() => rmSync(root, { recursive: true, force: true }));

  const build = (): common.Block =>
    buildGenesisBlock({
      channelId: 'mychannel',
      material,
      batchSize: { maxMessageCount: 10, absoluteMaxBytes: 99 * 1024 * 1024, preferredMaxBytes: 512 * 1024 },
      batchTimeoutMs: 50,
      ordererAddress: 'localhost:7050',
    });

  void it('round-trips and parses as a config with both org MSPs', () => {
    const block = common.Block.deserializeBinary(build().serializeBinary());
    const header = block.getHeader();
    assert.equal(header?.getNumber(), 0);
    assert.equal(header?.getPreviousHash_asU8().length, 0);
    assert.deepEqual(
      Buffer.from(header?.getDataHash_asU8() ?? []),
      computeBlockDataHash(block.getData() as common.BlockData),
    );
    const metadata = block.getMetadata()?.getMetadataList_asU8() ?? [];
    assert.equal(metadata.length, 5);
    assert.deepEqual([...(metadata[2] ?? [])], [0]);
    const lastConfig = common.LastConfig.deserializeBinary(
      common.Metadata.deserializeBinary(metadata[1] as Uint8Array).getValue_asU8(),
    );
    assert.equal(lastConfig.getIndex(), 0);

    const envelope = common.Envelope.deserializeBinary(block.getData()?.getDataList_asU8()[0] as Uint8Array);
    const payload = common.Payload.deserializeBinary(envelope.getPayload_asU8());
    const ch = common.ChannelHeader.deserializeBinary(
      payload.getHeader()?.getChannelHeader_asU8() as Uint8Array,
    );
    assert.equal(ch.getType(), 1);
    assert.equal(ch.getChannelId(), 'mychannel');
    const sh = common.SignatureHeader.deserializeBinary(
      payload.getHeader()?.getSignatureHeader_asU8() as Uint8Array,
    );
    assert.equal(ch.getTxId(), createHash('sha256').update(sh.getNonce_asU8()).digest('hex'));

    const config = parseConfigBlock(block);
    assert.equal(config.getSequence(), 0);
    const channel = config.getChannelGroup() as common.ConfigGroup;
    assert.deepEqual([...channel.getGroupsMap().keys()].sort(), ['Application', 'Orderer']);
    const app = channel.getGroupsMap().get('Application') as common.ConfigGroup;
    assert.deepEqual([...app.getGroupsMap().keys()].sort(), ['Org1MSP', 'Org2MSP']);
    assert.deepEqual([...app.getPoliciesMap().keys()].sort(), [
      'Admins',
      'Endorsement',
      'LifecycleEndorsement',
      'Readers',
      'Writers',
    ]);
    for (const id of ['Org1MSP', 'Org2MSP']) {
      const org = app.getGroupsMap().get(id) as common.ConfigGroup;
      const mspConfig = msp.MSPConfig.deserializeBinary(
        org.getValuesMap().get('MSP')?.getValue_asU8() as Uint8Array,
      );
      const fabric = msp.FabricMSPConfig.deserializeBinary(mspConfig.getConfig_asU8());
      assert.equal(fabric.getName(), id);
      assert.equal(fabric.getFabricNodeOus()?.getEnable(), true);
      assert.equal(
        fabric.getFabricNodeOus()?.getPeerOuIdentifier()?.getOrganizationalUnitIdentifier(),
        'peer',
      );
      assert.equal(fabric.getCryptoConfig()?.getIdentityIdentifierHashFunction(), 'SHA256');
      assert.match(Buffer.from(fabric.getRootCertsList_asU8()[0] ?? []).toString(), /BEGIN CERTIFICATE/);
      const endorsement = common.SignaturePolicyEnvelope.deserializeBinary(
        org.getPoliciesMap().get('Endorsement')?.getPolicy()?.getValue_asU8() as Uint8Array,
      );
      assert.deepEqual(endorsement.getIdentitiesList().map(roleOf), [[id, R.PEER]]);
    }
    const ord = channel.getGroupsMap().get('Orderer') as common.ConfigGroup;
    const timeout = orderer.BatchTimeout.deserializeBinary(
      ord.getValuesMap().get('BatchTimeout')?.getValue_asU8() as Uint8Array,
    );
    assert.equal(timeout.getTimeout(), '50ms');
    const consensus = orderer.ConsensusType.deserializeBinary(
      ord.getValuesMap().get('ConsensusType')?.getValue_asU8() as Uint8Array,
    );
    assert.equal(consensus.getType(), 'etcdraft');
    assert.ok(ord.getPoliciesMap().has('BlockValidation'));
    assert.ok(ord.getGroupsMap().get('OrdererMSP')?.getValuesMap().has('Endpoints'));
    const hashing = common.HashingAlgorithm.deserializeBinary(
      channel.getValuesMap().get('HashingAlgorithm')?.getValue_asU8() as Uint8Array,
    );
    assert.equal(hashing.getName(), 'SHA256');
    const width = common.BlockDataHashingStructure.deserializeBinary(
      channel.getValuesMap().get('BlockDataHashingStructure')?.getValue_asU8() as Uint8Array,
    );
    assert.equal(width.getWidth(), 4294967295);
  });

  void it('rejects non-config blocks and bad options', () => {
    const block = build();
    const other = new common.Block();
    other.setData(new common.BlockData());
    assert.throws(() => parseConfigBlock(other), { name: 'NotAConfigBlockError' });
    assert.ok(parseConfigBlock(block));
    assert.throws(
      () =>
        buildGenesisBlock({
          channelId: 'Bad_Channel',
          material,
          batchSize: { maxMessageCount: 1, absoluteMaxBytes: 1, preferredMaxBytes: 1 },
          batchTimeoutMs: 50,
          ordererAddress: 'localhost:7050',
        }),
      { name: 'GenesisOptionsError' },
    );
  });
});
