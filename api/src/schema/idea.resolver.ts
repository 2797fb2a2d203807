// Ideas (seed 3.2.3): an owner registers an idea by its content hash; others record contributions.
// Ideas are readable by every member.

import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { ApiContext } from '../context.type';
import { MutationOptions, type Payload } from './common.type';
import { ContributionInput, IdeaInput } from './idea.input';
import { Contribution, ContributionPayload, Idea, IdeaPayload } from './idea.type';
import { loadPublic } from './page';
import { json, submitAs } from './resolve';

@Resolver(() => Idea)
export class IdeaResolver {
  @Query(() => Idea, { description: 'One idea with its contributions and shares, from the ledger' })
  idea(@Arg('id', () => ID) id: string, @Ctx() ctx: ApiContext): Promise<Idea> {
    return loadPublic<Idea>(ctx, 'idea', id);
  }

  @Mutation(() => IdeaPayload, { description: 'Registers an idea owned by the caller' })
  registerIdea(
    @Arg('input', () => IdeaInput) input: IdeaInput,
    @Arg('options', () => MutationOptions, { nullable: true }) options: MutationOptions | undefined,
    @Ctx() ctx: ApiContext,
  ): Promise<Payload<Idea>> {
    return submitAs(ctx, 'idea:registerIdea', [json(input)], options);
  }

  @Mutation(() => ContributionPayload, {
    description: 'Records a contribution by the caller at the transaction time',
  })
  contributeToIdea(
    @Arg('ideaId', () => ID) ideaId: string,
    @Arg('input', () => ContributionInput) input: ContributionInput,
    @Arg('options', () => MutationOptions, { nullable: true }) options: MutationOptions | undefined,
    @Ctx() ctx: ApiContext,
  ): Promise<Payload<Contribution>> {
    return submitAs(ctx, 'idea:contribute', [ideaId, json(input)], options);
  }
}
