// Builds the executable schema from the type-graphql resolvers, and prints its SDL (committed as
// schema/schema.graphql; a test fails when the two drift).

import 'reflect-metadata';
import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { createPubSub } from '@graphql-yoga/subscription';
import { buildSchema } from 'type-graphql';
import { AdminResolver } from './admin.resolver';
import { LedgerResolver } from './ledger.resolver';
import { resolvers } from './resolvers';

export async function buildApiSchema(): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers: [LedgerResolver, AdminResolver, ...resolvers],
    // Inputs are validated by the chaincode, which owns the rules; the schema types do the rest.
    validate: false,
    // type-graphql insists on a PubSub, though every subscription here has its own `subscribe`: resuming
    // from a cursor needs the read model's replay, which a topic-based PubSub cannot give.
    pubSub: createPubSub(),
  });
}

export async function printApiSchema(): Promise<string> {
  const header =
    '# Generated from the type-graphql classes in api/src/schema by `npm run schema`. Do not edit.\n\n';
  return header + printSchema(lexicographicSortSchema(await buildApiSchema())) + '\n';
}
