export class CryptoMaterialMissingError extends Error {
  constructor(readonly path: string) {
    super(
      `crypto material is incomplete: ${path} is missing (delete the organizations folder to regenerate)`,
    );
    this.name = 'CryptoMaterialMissingError';
  }
}

export class UnknownOrgError extends Error {
  constructor(readonly key: string) {
    super(`no organization matches ${key}`);
    this.name = 'UnknownOrgError';
  }
}

export class InvalidTopologyError extends Error {
  constructor(reason: string) {
    super(`invalid topology: ${reason}`);
    this.name = 'InvalidTopologyError';
  }
}
