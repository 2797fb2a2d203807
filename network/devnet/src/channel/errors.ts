export class PolicyParseError extends Error {
  constructor(
    readonly policy: string,
    reason: string,
  ) {
    super(`invalid policy string '${policy}': ${reason}`);
    this.name = 'PolicyParseError';
  }
}

export class NotAConfigBlockError extends Error {
  constructor(reason: string) {
    super(`block is not a config block: ${reason}`);
    this.name = 'NotAConfigBlockError';
  }
}

export class GenesisOptionsError extends Error {
  constructor(reason: string) {
    super(`cannot build genesis block: ${reason}`);
    this.name = 'GenesisOptionsError';
  }
}
