// graphql-scalars' BigInt parses small values to a JS number and large ones to a bigint; resolvers do
// bigint arithmetic on block numbers (`after + 1n`), so every parsed BigInt is made a bigint here, once.
// The SDL is unchanged (same name, description and serialisation).

import { GraphQLScalarType } from 'graphql';
import { GraphQLBigInt as LibraryBigInt } from 'graphql-scalars';

const library = LibraryBigInt.toConfig();

function toBigInt(value: unknown): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' || typeof value === 'string') return BigInt(value);
  throw new TypeError(`BigInt cannot represent ${String(value)}`);
}

export const GraphQLBigInt = new GraphQLScalarType<bigint, unknown>({
  ...library,
  parseValue: (value) => toBigInt(library.parseValue?.(value)),
  parseLiteral: (ast, variables) => toBigInt(library.parseLiteral?.(ast, variables)),
});
