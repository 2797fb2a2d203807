// Traceability of innovative ideas (seed section 3.2.3): an owner registers an idea by the hash of
// its content; other parties record contributions (hash, description) at the transaction time. The
// record proves who contributed what and when; each contributor's share is derived at read time.
// The idea key is written once; contributions never read-modify-write it (rule 5).
import { Context, Contract, Info, Param, Returns, Transaction } from 'fabric-contract-api';
import {
  Contribution,
  ContributorShare,
  Idea,
  contributionKey,
  ideaKey,
  readContribution,
  readContributions,
  readIdea,
  sharesOf,
} from './idea.type';
import { callerOf } from './util/identity';
import { stableStringify, toBytes } from './util/stable';
import { txTime } from './util/time';
import { parseIdList, requireId } from './util/validate';

export type IdeaView = Idea & {
  contributions: Contribution[];
  /** 1 (the owner's registration) + number of contributions. */
  totalContributions: number;
  shares: ContributorShare[];
};

@Info({
  title: 'IdeaContract',
  description: 'Innovative ideas: registration by content hash, contributions, contributor shares',
})
export class IdeaContract extends Contract {
  constructor() {
    super('idea');
  }

  /**
   * Registers an idea owned by the caller. Registering the same idea again (same owner, title and
   * hash) is a no-op that returns the existing record; different content under the same id is an error.
   */
  @Transaction()
  @Param('ideaJson', 'string', '{id, title, contentHash (SHA-256, 64 hex)}')
  @Returns('string')
  public async registerIdea(ctx: Context, ideaJson: string): Promise<string> {
    const caller = callerOf(ctx);
    if (caller.hasRole('device')) throw new Error('devices cannot register ideas');
    const input = Idea.fromInput(ideaJson);

    const existing = await readIdea(ctx, input.id);
    if (existing) {
      const differs = [
        existing.owner !== caller.partyId ? 'owner' : undefined,
        existing.title !== input.title ? 'title' : undefined,
        existing.contentHash !== input.contentHash ? 'contentHash' : undefined,
      ].filter((f): f is string => f !== undefined);
      if (differs.length > 0)
        throw new Error(`idea ${input.id} already exists with a different ${differs.join(', ')}`);
      return stableStringify(await this.view(ctx, existing));
    }

    const idea = new Idea();
    Object.assign(idea, {
      docType: 'idea',
      id: input.id,
      title: input.title,
      contentHash: input.contentHash,
      owner: caller.partyId,
      registeredAt: txTime(ctx),
      txId: ctx.stub.getTxID(),
    });
    await ctx.stub.putState(ideaKey(ctx, idea.id), toBytes(idea));
    ctx.stub.setEvent(
      'IdeaRegistered',
      toBytes({
        ideaId: idea.id,
        owner: idea.owner,
        parties: [idea.owner],
        title: idea.title,
        contentHash: idea.contentHash,
        registeredAt: idea.registeredAt,
      }),
    );
    return stableStringify({ ...idea, contributions: [], totalContributions: 1, shares: sharesOf(idea, []) });
  }

  /**
   * Records a contribution by the caller (any authenticated party but a device) at the transaction
   * time. Reads only the idea (never rewritten) and the contribution's own key: concurrent
   * contributions to one idea do not conflict. The same contribution again is a no-op.
   */
  @Transaction()
  @Param('contributionJson', 'string', '{id, contentHash (SHA-256, 64 hex), description}')
  @Returns('string')
  public async contribute(ctx: Context, ideaId: string, contributionJson: string): Promise<string> {
    const caller = callerOf(ctx);
    if (caller.hasRole('device')) throw new Error('devices cannot contribute to ideas');
    requireId(ideaId, 'ideaId');
    const input = Contribution.fromInput(contributionJson);
    const idea = await readIdea(ctx, ideaId);
    if (!idea) throw new Error(`idea ${ideaId} does not exist`);

    const existing = await readContribution(ctx, ideaId, input.id);
    if (existing) {
      const differs = [
        existing.contributor !== caller.partyId ? 'contributor' : undefined,
        existing.contentHash !== input.contentHash ? 'contentHash' : undefined,
        existing.description !== input.description ? 'description' : undefined,
      ].filter((f): f is string => f !== undefined);
      if (differs.length > 0)
        throw new Error(
          `contribution ${input.id} to idea ${ideaId} already exists with a different ${differs.join(', ')}`,
        );
      return stableStringify(existing);
    }

    const c = new Contribution();
    Object.assign(c, {
      docType: 'contribution',
      ideaId,
      id: input.id,
      contentHash: input.contentHash,
      description: input.description,
      contributor: caller.partyId,
      timestamp: txTime(ctx),
      txId: ctx.stub.getTxID(),
    });
    await ctx.stub.putState(contributionKey(ctx, ideaId, c.id), toBytes(c));
    ctx.stub.setEvent(
      'ContributionAdded',
      toBytes({
        ideaId,
        contributionId: c.id,
        owner: idea.owner,
        contributor: c.contributor,
        parties: idea.owner === c.contributor ? [idea.owner] : [idea.owner, c.contributor],
        contentHash: c.contentHash,
        timestamp: c.timestamp,
      }),
    );
    return stableStringify(c);
  }

  /** The idea, its contributions in order (transaction time, then id) and each contributor's share. */
  @Transaction(false)
  @Returns('string')
  public async getIdea(ctx: Context, ideaId: string): Promise<string> {
    requireId(ideaId, 'ideaId');
    const idea = await readIdea(ctx, ideaId);
    if (!idea) throw new Error(`idea ${ideaId} does not exist`);
    return stableStringify(await this.view(ctx, idea));
  }

  /** Batch read: JSON array of up to 100 ids; same order, null for missing. */
  @Transaction(false)
  @Returns('string')
  public async getMany(ctx: Context, idsJson: string): Promise<string> {
    const ids = parseIdList(idsJson);
    const out: (IdeaView | null)[] = [];
    for (const id of ids) {
      const idea = await readIdea(ctx, id);
      out.push(idea ? await this.view(ctx, idea) : null);
    }
    return stableStringify(out);
  }

  private async view(ctx: Context, idea: Idea): Promise<IdeaView> {
    const contributions = await readContributions(ctx, idea.id);
    return {
      ...idea,
      contributions,
      totalContributions: contributions.length + 1,
      shares: sharesOf(idea, contributions),
    };
  }
}
