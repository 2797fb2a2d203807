export class UnknownMspError extends Error {
  constructor(readonly mspId: string) {
    super(`MSP ${mspId} is not defined on channel`);
    this.name = 'UnknownMspError';
  }
}

export class MalformedIdentityError extends Error {
  constructor(reason: string) {
    super(`could not deserialize identity: ${reason}`);
    this.name = 'MalformedIdentityError';
  }
}

export class UnsupportedMspError extends Error {
  constructor(mspId: string, reason: string) {
    super(`MSP ${mspId} is not supported: ${reason}`);
    this.name = 'UnsupportedMspError';
  }
}

export class CertificateChainError extends Error {
  constructor(
    readonly mspId: string,
    reason: string,
  ) {
    super(`the supplied identity is not valid for ${mspId}: ${reason}`);
    this.name = 'CertificateChainError';
  }
}

export class CertificateExpiredError extends Error {
  constructor(
    readonly mspId: string,
    readonly validFrom: Date,
    readonly validTo: Date,
  ) {
    super(
      `certificate of ${mspId} identity is outside its validity period ${validFrom.toISOString()} - ${validTo.toISOString()}`,
    );
    this.name = 'CertificateExpiredError';
  }
}

export class CertificateRevokedError extends Error {
  constructor(
    readonly mspId: string,
    readonly serialHex: string,
  ) {
    super(`certificate ${serialHex} of ${mspId} has been revoked`);
    this.name = 'CertificateRevokedError';
  }
}

export class NodeOuError extends Error {
  constructor(
    readonly mspId: string,
    reason: string,
  ) {
    super(`identity of ${mspId} does not carry a valid NodeOU: ${reason}`);
    this.name = 'NodeOuError';
  }
}

export class UnknownPolicyError extends Error {
  constructor(readonly path: string) {
    super(`policy ${path} does not exist`);
    this.name = 'UnknownPolicyError';
  }
}

export class MalformedPolicyError extends Error {
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`policy ${path} is malformed: ${reason}`);
    this.name = 'MalformedPolicyError';
  }
}
