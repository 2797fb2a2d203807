import { peer } from '../protos';
import type { ParsedBlock } from './channel-view';

/** The chaincode events of a block's valid transactions, in transaction order. */
export function* chaincodeEventsOf(parsed: ParsedBlock): Generator<peer.ChaincodeEvent> {
  for (let i = 0; i < parsed.transactions.length; i++) {
    const tx = parsed.transactions[i];
    if (!tx || parsed.validationCodes[i] !== peer.TxValidationCode.VALID) continue;
    for (const action of tx.actions) {
      if (!action.event) continue;
      const event = new peer.ChaincodeEvent();
      event.setChaincodeId(action.event.chaincodeId);
      event.setTxId(action.event.txId);
      event.setEventName(action.event.eventName);
      event.setPayload(action.event.payload);
      yield event;
    }
  }
}
