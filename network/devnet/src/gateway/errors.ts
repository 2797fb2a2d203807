import * as grpc from '@grpc/grpc-js';
import { Any } from 'google-protobuf/google/protobuf/any_pb';
import { gateway, google } from '../protos';

export interface EndpointErrorDetail {
  readonly address: string;
  readonly mspId: string;
  readonly message: string;
}

/**
 * A gRPC error with Fabric's `google.rpc.Status` details (one gateway.ErrorDetail per endpoint), which the
 * fabric-gateway client turns into EndorseError / SubmitError details.
 */
export function rpcError(
  code: grpc.status,
  message: string,
  details: readonly EndpointErrorDetail[] = [],
): Partial<grpc.StatusObject> & Error {
  const err = Object.assign(new Error(message), { code, details: message, metadata: new grpc.Metadata() });
  if (details.length > 0) {
    const status = new google.rpc.Status();
    status.setCode(code);
    status.setMessage(message);
    status.setDetailsList(
      details.map((d) => {
        const detail = new gateway.ErrorDetail();
        detail.setAddress(d.address);
        detail.setMspId(d.mspId);
        detail.setMessage(d.message);
        const any = new Any();
        any.pack(detail.serializeBinary(), 'gateway.ErrorDetail');
        return any;
      }),
    );
    err.metadata.set('grpc-status-details-bin', Buffer.from(status.serializeBinary()));
  }
  return err;
}
