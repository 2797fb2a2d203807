// Stored shapes of an idea (seed section 3.2.3) and of each contribution to it. An idea is written
// once, at registration, and never again: contributions live under their own keys
// `idea~contribution` [ideaId, contributionId], so concurrent contributors share no key (rule 5) and
// their order is derived at read time from the transaction timestamp, then the contribution id.
import { Context, Object as DataType, Property } from 'fabric-contract-api';
import { requireSha256 } from './util/hash';
import { fromBytes } from './util/stable';
import { parseJsonObject, rejectUnknownFields, requireId, requireText } from './util/validate';

@DataType()
export class Idea {
  @Property('docType', 'string')
  public docType!: 'idea';

  @Property('id', 'string')
  public id!: string;

  @Property('title', 'string')
  public title!: string;

  /** SHA-256 of the idea's content, kept off-chain; the record proves it existed at registeredAt. */
  @Property('contentHash', 'string')
  public contentHash!: string;

  /** The registering party `<mspId>:<enrollmentId>`. */
  @Property('owner', 'string')
  public owner!: string;

  @Property('registeredAt', 'string')
  public registeredAt!: string;

  @Property('txId', 'string')
  public txId!: string;

  /** Validates registerIdea's argument {id, title, contentHash}. */
  public static fromInput(json: string): { id: string; title: string; contentHash: string } {
    const obj = parseJsonObject(json, 'idea');
    rejectUnknownFields(obj, ['id', 'title', 'contentHash'], 'idea');
    return {
      id: requireId(obj['id'], 'idea id'),
      title: requireText(obj['title'], 'title', 200),
      contentHash: requireSha256(obj['contentHash'], 'contentHash'),
    };
  }
}

@DataType()
export class Contribution {
  @Property('docType', 'string')
  public docType!: 'contribution';

  @Property('ideaId', 'string')
  public ideaId!: string;

  /** Chosen by the contributor; unique within the idea. */
  @Property('id', 'string')
  public id!: string;

  @Property('contentHash', 'string')
  public contentHash!: string;

  @Property('description', 'string')
  public description!: string;

  @Property('contributor', 'string')
  public contributor!: string;

  /** Transaction timestamp of the contribution (rule 3). */
  @Property('timestamp', 'string')
  public timestamp!: string;

  @Property('txId', 'string')
  public txId!: string;

  /** Validates contribute's argument {id, contentHash, description}. */
  public static fromInput(json: string): { id: string; contentHash: string; description: string } {
    const obj = parseJsonObject(json, 'contribution');
    rejectUnknownFields(obj, ['id', 'contentHash', 'description'], 'contribution');
    return {
      id: requireId(obj['id'], 'contribution id'),
      contentHash: requireSha256(obj['contentHash'], 'contentHash'),
      description: requireText(obj['description'], 'description', 2000),
    };
  }
}

@DataType()
export class ContributorShare {
  @Property('party', 'string')
  public party!: string;

  /** Contributions counted for this party (the owner's registration counts as one). */
  @Property('count', 'number')
  public count!: number;

  /** count / total counted contributions, a number in (0, 1]. */
  @Property('share', 'number')
  public share!: number;
}

export const IDEA = 'idea';
export const IDEA_CONTRIBUTION = 'idea~contribution';

export function ideaKey(ctx: Context, id: string): string {
  return ctx.stub.createCompositeKey(IDEA, [id]);
}

export function contributionKey(ctx: Context, ideaId: string, contributionId: string): string {
  return ctx.stub.createCompositeKey(IDEA_CONTRIBUTION, [ideaId, contributionId]);
}

export async function readIdea(ctx: Context, id: string): Promise<Idea | undefined> {
  const bytes = await ctx.stub.getState(ideaKey(ctx, id));
  return bytes && bytes.length > 0 ? fromBytes<Idea>(bytes) : undefined;
}

export async function readContribution(
  ctx: Context,
  ideaId: string,
  contributionId: string,
): Promise<Contribution | undefined> {
  const bytes = await ctx.stub.getState(contributionKey(ctx, ideaId, contributionId));
  return bytes && bytes.length > 0 ? fromBytes<Contribution>(bytes) : undefined;
}

/** Orders contributions by transaction timestamp, then by contribution id (ISO strings of equal form sort lexically). */
export function byTimeThenId(a: Contribution, b: Contribution): number {
  if (a.timestamp !== b.timestamp) return a.timestamp < b.timestamp ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** All contributions to an idea in order of time, then id. Read-only (a range read on the write path would be a phantom-read hot spot). */
export async function readContributions(ctx: Context, ideaId: string): Promise<Contribution[]> {
  const list: Contribution[] = [];
  for await (const kv of ctx.stub.getStateByPartialCompositeKey(IDEA_CONTRIBUTION, [ideaId])) {
    list.push(fromBytes<Contribution>(kv.value));
  }
  return list.sort(byTimeThenId);
}

/**
 * Share rule: the owner's registration counts as one contribution, and every recorded contribution
 * counts as one for its contributor (whoever it is, the owner included). A party's share is its
 * count divided by the total count (1 + number of contributions), so shares always sum to 1.
 * Parties are listed by descending count, then by party id.
 */
export function sharesOf(idea: Idea, contributions: Contribution[]): ContributorShare[] {
  const counts = new Map<string, number>([[idea.owner, 1]]);
  for (const c of contributions) counts.set(c.contributor, (counts.get(c.contributor) ?? 0) + 1);
  const total = contributions.length + 1;
  return [...counts.entries()]
    .sort(([pa, ca], [pb, cb]) => (ca !== cb ? cb - ca : pa < pb ? -1 : pa > pb ? 1 : 0))
    .map(([party, count]) => {
      const s = new ContributorShare();
      Object.assign(s, { party, count, share: count / total });
      return s;
    });
}
