// Fabric's policy language (common/policydsl/policyparser.go), e.g. "AND('Org1MSP.peer','Org2MSP.peer')".
// Principal numbering reproduces Fabric's evaluation order (inner gates are numbered before the string
// arguments of their parent) so envelopes are byte-identical to those built by the peer CLI and SDKs;
// lifecycle compares validation parameters byte-wise, so this matters.
import { common, msp } from '../protos';
import { PolicyParseError } from './errors';

const PRINCIPAL = /^([A-Za-z0-9.-]+)([.])(admin|member|client|peer|orderer)$/;
const ROLES: Record<string, number> = {
  member: msp.MSPRole.MSPRoleType.MEMBER,
  admin: msp.MSPRole.MSPRoleType.ADMIN,
  client: msp.MSPRole.MSPRoleType.CLIENT,
  peer: msp.MSPRole.MSPRoleType.PEER,
  orderer: msp.MSPRole.MSPRoleType.ORDERER,
};
const GATES: Record<string, 'and' | 'or' | 'outof'> = {
  And: 'and',
  and: 'and',
  AND: 'and',
  Or: 'or',
  or: 'or',
  OR: 'or',
  OutOf: 'outof',
  outof: 'outof',
  OUTOF: 'outof',
};

type Token =
  | { kind: 'ident'; text: string; pos: number }
  | { kind: 'string'; text: string; pos: number }
  | { kind: 'number'; text: string; pos: number }
  | { kind: 'punct'; text: '(' | ')' | ','; pos: number };

type Node =
  | { kind: 'gate'; gate: 'and' | 'or' | 'outof'; args: Node[] }
  | { kind: 'string'; text: string }
  | { kind: 'number'; value: number };

export interface PolicyDslOptions {
  /** Reuse one principal for repeated `MSP.role` mentions. Fabric does not, so this is off by default. */
  readonly dedupePrincipals?: boolean;
}

export function signaturePolicyFromString(
  policy: string,
  options: PolicyDslOptions = {},
): common.SignaturePolicyEnvelope {
  const fail = (reason: string): never => {
    throw new PolicyParseError(policy, reason);
  };
  const tokens = tokenize(policy, fail);
  let index = 0;
  const peek = (): Token | undefined => tokens[index];

  const parseExpr = (): Node => {
    const token = tokens[index++];
    if (!token) return fail('unexpected end of input');
    if (token.kind === 'string') return { kind: 'string', text: token.text };
    if (token.kind === 'number') return { kind: 'number', value: Number(token.text) };
    if (token.kind === 'punct') return fail(`unexpected '${token.text}' at position ${token.pos}`);
    const gate = GATES[token.text];
    if (!gate) return fail(`unrecognized token '${token.text}' in policy string`);
    const open = tokens[index++];
    if (open?.kind !== 'punct' || open.text !== '(') return fail(`expected '(' after ${token.text}`);
    const args: Node[] = [];
    const close = peek();
    if (close?.kind === 'punct' && close.text === ')') {
      index++;
    } else {
      for (;;) {
        args.push(parseExpr());
        const sep = tokens[index++];
        if (sep?.kind === 'punct' && sep.text === ')') break;
        if (sep?.kind !== 'punct' || sep.text !== ',')
          return fail(`expected ',' or ')' in ${token.text}(...)`);
      }
    }
    return { kind: 'gate', gate, args };
  };

  const root = parseExpr();
  if (index !== tokens.length)
    fail(`unexpected trailing input at position ${tokens[index]?.pos ?? policy.length}`);
  if (root.kind !== 'gate') fail('a policy must be an AND, OR or OutOf expression');

  const principals: msp.MSPPrincipal[] = [];
  const principalIndex = new Map<string, number>();

  const principalFor = (text: string): number => {
    const match = PRINCIPAL.exec(text);
    if (!match) return fail(`error parsing principal ${text}`);
    const key = `${match[1]}.${match[3]}`;
    const existing = options.dedupePrincipals ? principalIndex.get(key) : undefined;
    if (existing !== undefined) return existing;
    const role = new msp.MSPRole();
    role.setMspIdentifier(match[1] ?? '');
    role.setRole(ROLES[match[3] ?? ''] as msp.MSPRole.MSPRoleTypeMap[keyof msp.MSPRole.MSPRoleTypeMap]);
    const principal = new msp.MSPPrincipal();
    principal.setPrincipalClassification(msp.MSPPrincipal.Classification.ROLE);
    principal.setPrincipal(role.serializeBinary());
    principals.push(principal);
    principalIndex.set(key, principals.length - 1);
    return principals.length - 1;
  };

  const compile = (node: Node & { kind: 'gate' }): common.SignaturePolicy => {
    let threshold: number;
    let members: Node[];
    if (node.gate === 'outof') {
      const [first, ...rest] = node.args;
      if (node.args.length < 2)
        return fail(`expected at least two arguments to NOutOf. Given ${node.args.length}`);
      if (first?.kind === 'number') threshold = first.value;
      else if (first?.kind === 'string' && /^\d+$/.test(first.text)) threshold = Number(first.text);
      else return fail('the first argument of OutOf must be an integer');
      if (!Number.isInteger(threshold)) return fail('the first argument of OutOf must be an integer');
      members = rest;
    } else {
      if (node.args.length < 1) return fail(`${node.gate.toUpperCase()} needs at least one argument`);
      threshold = node.gate === 'and' ? node.args.length : 1;
      members = node.args;
    }
    // Fabric tolerates t == n+1 (an unsatisfiable policy) but nothing beyond.
    if (threshold < 0 || threshold > members.length + 1) {
      return fail(`invalid t-out-of-n predicate, t ${threshold}, n ${members.length}`);
    }
    // Nested gates first: govaluate evaluates them before the enclosing call numbers its own principals.
    const compiled = members.map((m) => (m.kind === 'gate' ? compile(m) : undefined));
    const rules = members.map((m, i) => {
      if (m.kind === 'gate') return compiled[i] as common.SignaturePolicy;
      if (m.kind === 'number')
        return fail(`unexpected number ${m.value} where a principal or policy was expected`);
      return signedBy(principalFor(m.text));
    });
    return nOutOf(threshold, rules);
  };

  const envelope = new common.SignaturePolicyEnvelope();
  envelope.setVersion(0);
  envelope.setRule(compile(root as Node & { kind: 'gate' }));
  envelope.setIdentitiesList(principals);
  return envelope;
}

export function signedBy(index: number): common.SignaturePolicy {
  const rule = new common.SignaturePolicy();
  rule.setSignedBy(index);
  return rule;
}

export function nOutOf(n: number, rules: common.SignaturePolicy[]): common.SignaturePolicy {
  const inner = new common.SignaturePolicy.NOutOf();
  inner.setN(n);
  inner.setRulesList(rules);
  const rule = new common.SignaturePolicy();
  rule.setNOutOf(inner);
  return rule;
}

function tokenize(policy: string, fail: (reason: string) => never): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < policy.length) {
    const ch = policy[i] as string;
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === '(' || ch === ')' || ch === ',') {
      tokens.push({ kind: 'punct', text: ch, pos: i });
      i++;
    } else if (ch === "'" || ch === '"') {
      const end = policy.indexOf(ch, i + 1);
      if (end < 0) fail(`unterminated string at position ${i}`);
      tokens.push({ kind: 'string', text: policy.slice(i + 1, end), pos: i });
      i = end + 1;
    } else if (/[0-9]/.test(ch)) {
      const match = /^[0-9]+(\.[0-9]+)?/.exec(policy.slice(i)) as RegExpExecArray;
      tokens.push({ kind: 'number', text: match[0], pos: i });
      i += match[0].length;
    } else if (/[A-Za-z_]/.test(ch)) {
      const match = /^[A-Za-z0-9_.\-@]+/.exec(policy.slice(i)) as RegExpExecArray;
      tokens.push({ kind: 'ident', text: match[0], pos: i });
      i += match[0].length;
    } else {
      fail(`unexpected character '${ch}' at position ${i}`);
    }
  }
  return tokens;
}
