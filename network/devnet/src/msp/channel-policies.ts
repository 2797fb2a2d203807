// The channel's policy tree (common/policies): every group's policies addressable by absolute path,
// ImplicitMeta policies resolved against the same-named policy of each direct sub-group.
import { common } from '../protos';
import { MalformedPolicyError, UnknownPolicyError } from './errors';
import type { Identity } from './identity';
import type { MspManager } from './manager';
import { compileSignaturePolicy, validIdentities } from './signature-policy';
import type { SignedData } from './types';

type Evaluator = (identities: readonly Identity[]) => boolean;

const ROOT = '/Channel';

export class ChannelPolicies {
  readonly #msps: MspManager;
  readonly #policies = new Map<string, Evaluator>();

  constructor(config: common.Config, msps: MspManager) {
    this.#msps = msps;
    const channel = config.getChannelGroup();
    if (channel) this.#addGroup(ROOT, channel);
  }

  get paths(): string[] {
    return [...this.#policies.keys()];
  }

  has(path: string): boolean {
    return this.#policies.has(normalise(path));
  }

  /** e.g. evaluate('/Channel/Application/Writers', signedData). Throws UnknownPolicyError for unknown paths. */
  evaluate(path: string, signedData: readonly SignedData[]): boolean {
    return this.evaluateIdentities(path, validIdentities(signedData, this.#msps));
  }

  /** For callers that already reduced signatures to verified identities. */
  evaluateIdentities(path: string, identities: readonly Identity[]): boolean {
    const full = normalise(path);
    const policy = this.#policies.get(full);
    if (!policy) throw new UnknownPolicyError(full);
    return policy(identities);
  }

  #addGroup(path: string, group: common.ConfigGroup): void {
    for (const [name, sub] of group.getGroupsMap().entries()) this.#addGroup(`${path}/${name}`, sub);
    for (const [name, configPolicy] of group.getPoliciesMap().entries()) {
      const policyPath = `${path}/${name}`;
      const policy = configPolicy.getPolicy();
      if (!policy) throw new MalformedPolicyError(policyPath, 'no policy');
      this.#policies.set(policyPath, this.#compile(policyPath, path, group, policy));
    }
  }

  #compile(
    policyPath: string,
    groupPath: string,
    group: common.ConfigGroup,
    policy: common.Policy,
  ): Evaluator {
    switch (policy.getType()) {
      case common.Policy.PolicyType.SIGNATURE: {
        const compiled = compileSignaturePolicy(
          common.SignaturePolicyEnvelope.deserializeBinary(policy.getValue_asU8()),
          policyPath,
        );
        return (identities) => compiled(identities, new Array<boolean>(identities.length).fill(false));
      }
      case common.Policy.PolicyType.IMPLICIT_META: {
        const meta = common.ImplicitMetaPolicy.deserializeBinary(policy.getValue_asU8());
        const subPaths = [...group.getGroupsMap().keys()].map(
          (sub) => `${groupPath}/${sub}/${meta.getSubPolicy()}`,
        );
        const count = subPaths.length;
        let threshold: number;
        switch (meta.getRule()) {
          case common.ImplicitMetaPolicy.Rule.ANY:
            threshold = 1;
            break;
          case common.ImplicitMetaPolicy.Rule.ALL:
            threshold = count;
            break;
          case common.ImplicitMetaPolicy.Rule.MAJORITY:
            threshold = Math.floor(count / 2) + 1;
            break;
          default:
            throw new MalformedPolicyError(policyPath, `unknown implicit meta rule ${meta.getRule()}`);
        }
        // Fabric: with no sub-groups, zero satisfied sub-policies is enough.
        if (count === 0) threshold = 0;
        return (identities) => {
          let remaining = threshold;
          if (remaining === 0) return true;
          for (const subPath of subPaths) {
            // A sub-group without the named policy counts as a rejecting policy, as in Fabric.
            const sub = this.#policies.get(subPath);
            if (sub && sub(identities)) {
              remaining--;
              if (remaining === 0) return true;
            }
          }
          return false;
        };
      }
      default:
        throw new MalformedPolicyError(policyPath, `unsupported policy type ${policy.getType()}`);
    }
  }
}

function normalise(path: string): string {
  if (path.startsWith('/')) return path;
  return `${ROOT}/${path}`;
}
