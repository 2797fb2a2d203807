// Fabric CA's error model (lib/caerrors/servererror.go): an HTTP status, a numeric code and a message,
// sent in cfssl's envelope `{ success: false, result: null, errors: [{ code, message }], messages: [] }`.
// Fabric CA hides the reason of authentication/authorisation failures behind a generic remote message;
// here the generic text comes first ("Authentication failure") and a precise reason follows it, so a
// client matching on fabric-ca's text still matches and a human can tell what went wrong. Reasons never
// say whether an enrollment ID exists when the secret is wrong.

export const CaErrorCode = {
  Unknown: 0,
  MethodNotAllowed: 1,
  NoAuthHdr: 2,
  ReadingReqBody: 3,
  EmptyReqBody: 4,
  BadReqBody: 5,
  NotRevoker: 7,
  RevCertNotFound: 8,
  CertWrongOwner: 9,
  RevokeIDNotFound: 10,
  MissingRevokeArgs: 15,
  CANotFound: 19,
  AuthenticationFailure: 20,
  BadCSR: 31,
  NoGenCRLAuth: 35,
  RegAttrAuth: 42,
  CertAlreadyRevoked: 66,
  AuthorizationFailure: 71,
} as const;

export class CaError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'CaError';
  }
}

/** 401, code 20: what fabric-ca answers for every authentication failure. */
export function authenticationError(reason: string): CaError {
  return new CaError(401, CaErrorCode.AuthenticationFailure, `Authentication failure: ${reason}`);
}

/** 403, code 71: what fabric-ca answers for every authorisation failure. */
export function authorizationError(reason: string): CaError {
  return new CaError(403, CaErrorCode.AuthorizationFailure, `Authorization failure: ${reason}`);
}

export function badRequest(code: number, message: string): CaError {
  return new CaError(400, code, message);
}
