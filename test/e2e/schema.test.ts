// The committed SDL and typed operations match the code: a change to a type-graphql class that is not
// followed by `npm run schema && npm run codegen` fails here. Also guards decorator metadata, without
// which type-graphql cannot infer field types (esbuild-style builds drop it).

import 'reflect-metadata';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { generate } from '@graphql-codegen/cli';
import { parse as parseYaml } from 'yaml';
import { printApiSchema } from '../../api/src/schema/build';
import { REPO_ROOT } from '../integration/helpers';

type CodegenConfig = Exclude<Parameters<typeof generate>[0], { getConfig: unknown }>;

function loadCodegenConfig(): CodegenConfig {
  return parseYaml(readFileSync(path.join(REPO_ROOT, 'codegen.yml'), 'utf8')) as CodegenConfig;
}

void test('schema/schema.graphql is the SDL the type-graphql classes emit', async () => {
  const committed = readFileSync(path.join(REPO_ROOT, 'schema', 'schema.graphql'), 'utf8');
  assert.equal(await printApiSchema(), committed, 'run `npm run schema` and commit schema/schema.graphql');
});

void test('schema/generated/operations.ts is what codegen.yml generates from the committed SDL', async () => {
  const committed = readFileSync(path.join(REPO_ROOT, 'schema', 'generated', 'operations.ts'), 'utf8');
  const cwd = process.cwd();
  process.chdir(REPO_ROOT);
  try {
    const outputs = (await generate({ ...loadCodegenConfig(), cwd: REPO_ROOT }, false)) as {
      filename: string;
      content: string;
    }[];
    const ours = outputs.find((o) => o.filename.endsWith('operations.ts'));
    assert.ok(ours, 'codegen produced schema/generated/operations.ts');
    assert.equal(ours.content, committed, 'run `npm run codegen` and commit schema/generated/operations.ts');
  } finally {
    process.chdir(cwd);
  }
});

void test('decorator metadata is emitted: a field typed only by TypeScript resolves to its GraphQL type', () => {
  const sdl = readFileSync(path.join(REPO_ROOT, 'schema', 'schema.graphql'), 'utf8');
  assert.match(sdl, /type Negotiation \{[^}]*\n {2}customer: String!/);
});
