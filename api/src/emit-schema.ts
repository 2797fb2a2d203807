// Writes the SDL of the type-graphql schema to schema/schema.graphql (`npm run schema`).

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { printApiSchema } from './schema/build';

export const SCHEMA_FILE = path.resolve(__dirname, '../../../schema/schema.graphql');

if (require.main === module) {
  void printApiSchema().then((sdl) => {
    writeFileSync(SCHEMA_FILE, sdl);
    process.stdout.write(`wrote ${SCHEMA_FILE}\n`);
  });
}
