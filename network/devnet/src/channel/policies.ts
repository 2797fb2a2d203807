import { common } from '../protos';
import { signaturePolicyFromString } from './policydsl';

export type ImplicitMetaRule = 'ANY' | 'ALL' | 'MAJORITY';

const RULES: Record<
  ImplicitMetaRule,
  common.ImplicitMetaPolicy.RuleMap[keyof common.ImplicitMetaPolicy.RuleMap]
> = {
  ANY: common.ImplicitMetaPolicy.Rule.ANY,
  ALL: common.ImplicitMetaPolicy.Rule.ALL,
  MAJORITY: common.ImplicitMetaPolicy.Rule.MAJORITY,
};

/** `common.Policy` of type IMPLICIT_META, e.g. implicitMetaPolicy('MAJORITY', 'Endorsement'). */
export function implicitMetaPolicy(rule: ImplicitMetaRule, subPolicy: string): common.Policy {
  const meta = new common.ImplicitMetaPolicy();
  meta.setRule(RULES[rule]);
  meta.setSubPolicy(subPolicy);
  const policy = new common.Policy();
  policy.setType(common.Policy.PolicyType.IMPLICIT_META);
  policy.setValue(meta.serializeBinary());
  return policy;
}

/** `common.Policy` of type SIGNATURE from the policy language, e.g. "OR('Org1MSP.admin')". */
export function signaturePolicy(expression: string | common.SignaturePolicyEnvelope): common.Policy {
  const envelope = typeof expression === 'string' ? signaturePolicyFromString(expression) : expression;
  const policy = new common.Policy();
  policy.setType(common.Policy.PolicyType.SIGNATURE);
  policy.setValue(envelope.serializeBinary());
  return policy;
}
