// classify(): one place maps a Gateway (gRPC) failure to what the buffer does with the row — keep and
// retry ('network'), drop to the rejected log ('rejected'), count as delivered ('duplicate'), or keep and
// report that the network refuses the device ('identity').

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Metadata, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { EndorseError, type ErrorDetail, GatewayError } from '@hyperledger/fabric-gateway';
import { classify, StageError } from './stages';

function serviceError(code: number, details: string): ServiceError {
  return Object.assign(new Error(`${code} ${GrpcStatus[code]}: ${details}`), {
    code,
    details,
    metadata: new Metadata(),
  });
}

function gatewayError(code: number, message: string, ...detailMessages: string[]): GatewayError {
  const details: ErrorDetail[] = detailMessages.map((m, i) => ({
    address: `peer${i}.org1.example.com:7051`,
    mspId: 'Org1MSP',
    message: m,
  }));
  return new GatewayError({ code, details, cause: serviceError(code, message), message });
}

const CHAINCODE_REFUSAL = 'chaincode response 500, reading 7 of device d1 is out of sequence (expected 5)';

void describe('classify', () => {
  void test('gRPC UNAVAILABLE is a network failure (keep the row, retry later)', () => {
    const err = gatewayError(GrpcStatus.UNAVAILABLE, '14 UNAVAILABLE: No connection established');
    const e = classify('endorse', err);
    assert.ok(e instanceof StageError);
    assert.equal(e.failure, 'network');
    assert.equal(e.stage, 'endorse');
    assert.equal(e.code, GrpcStatus.UNAVAILABLE);
    assert.equal(e.cause, err);
    assert.match(e.message, /^endorse: 14 UNAVAILABLE: No connection established/);
  });

  void test('gRPC DEADLINE_EXCEEDED is a network failure, at either stage', () => {
    const err = gatewayError(GrpcStatus.DEADLINE_EXCEEDED, '4 DEADLINE_EXCEEDED: Deadline exceeded');
    assert.equal(classify('endorse', err).failure, 'network');
    const e = classify('submit', err);
    assert.equal(e.failure, 'network');
    assert.equal(e.stage, 'submit');
  });

  void test('a plain gRPC ServiceError (not wrapped) is classified by its code', () => {
    assert.equal(
      classify('submit', serviceError(GrpcStatus.UNAVAILABLE, 'connect ECONNREFUSED')).failure,
      'network',
    );
    assert.equal(
      classify('submit', { code: GrpcStatus.DEADLINE_EXCEEDED, message: 'late' }).failure,
      'network',
    );
  });

  void test('ABORTED with a detail "duplicate transaction found" means already delivered', () => {
    const err = gatewayError(
      GrpcStatus.ABORTED,
      '10 ABORTED: failed to endorse transaction, see attached details for more info',
      'duplicate transaction found [4f3c...]. Creator [0a074f7267314d5350...]',
    );
    const e = classify('endorse', err);
    assert.equal(e.failure, 'duplicate');
    assert.equal(e.code, GrpcStatus.ABORTED);
    assert.match(e.message, /duplicate transaction found/);
  });

  void test('a duplicate answer is recognised on an EndorseError and on a ServiceError message', () => {
    const endorse = new EndorseError({
      code: GrpcStatus.ABORTED,
      details: [{ address: 'peer0:7051', mspId: 'Org1MSP', message: 'Duplicate transaction found [abc]' }],
      cause: serviceError(GrpcStatus.ABORTED, 'failed to endorse transaction'),
      transactionId: 'abc',
      message: '10 ABORTED: failed to endorse transaction',
    });
    assert.equal(classify('endorse', endorse).failure, 'duplicate');
    assert.equal(
      classify('submit', serviceError(GrpcStatus.ABORTED, 'duplicate transaction found [abc]')).failure,
      'duplicate',
    );
  });

  void test('a detail containing "has been revoked" is an identity failure (keep the row, report)', () => {
    const err = gatewayError(
      GrpcStatus.ABORTED,
      '10 ABORTED: failed to endorse transaction',
      'access denied: creator certificate is not valid: the certificate has been revoked',
    );
    const e = classify('endorse', err);
    assert.equal(e.failure, 'identity');
    assert.match(e.message, /has been revoked/);
    // Identity wins over a code that would otherwise say "network".
    const unavailable = gatewayError(GrpcStatus.UNAVAILABLE, 'x', 'the certificate has been revoked');
    assert.equal(classify('submit', unavailable).failure, 'identity');
  });

  void test('ABORTED with a chaincode message is a rejection (the content will never pass)', () => {
    const err = gatewayError(
      GrpcStatus.ABORTED,
      '10 ABORTED: failed to endorse transaction, see attached details for more info',
      CHAINCODE_REFUSAL,
    );
    const e = classify('endorse', err);
    assert.equal(e.failure, 'rejected');
    assert.equal(e.code, GrpcStatus.ABORTED);
    assert.match(e.message, /out of sequence/);
  });

  void test('UNKNOWN is a network failure without details and a rejection with a peer detail', () => {
    assert.equal(
      classify('endorse', gatewayError(GrpcStatus.UNKNOWN, '2 UNKNOWN: stream reset')).failure,
      'network',
    );
    assert.equal(
      classify('endorse', gatewayError(GrpcStatus.UNKNOWN, '2 UNKNOWN: error', CHAINCODE_REFUSAL)).failure,
      'rejected',
    );
  });

  void test('an error without a gRPC code (a transport exception) is a network failure', () => {
    const e = classify('submit', new Error('socket hang up'));
    assert.equal(e.failure, 'network');
    assert.equal(e.code, undefined);
    assert.equal(e.message, 'submit: socket hang up');
  });

  void test('a StageError passes through unchanged', () => {
    const original = new StageError('endorse', 'rejected', 'no');
    assert.equal(classify('submit', original), original);
  });
});
