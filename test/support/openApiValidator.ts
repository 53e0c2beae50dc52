import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * Validates an OpenAPI document with `@seriousme/openapi-schema-validator` (the official OpenAPI 3.0 /
 * 3.1 JSON schemas). The package is ESM-only, so it runs in a child Node process.
 * @returns `valid` and the schema errors
 */
export function validateOpenApi(doc: unknown): { valid: boolean; errors: unknown } {
  const script = `
    import { Validator } from '@seriousme/openapi-schema-validator';
    let input = '';
    process.stdin.on('data', (c) => (input += c));
    process.stdin.on('end', async () => {
      const result = await new Validator().validate(JSON.parse(input));
      process.stdout.write(JSON.stringify({ valid: result.valid, errors: result.errors ?? null }));
    });`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    input: JSON.stringify(doc),
    cwd: join(__dirname, '..', '..'),
    encoding: 'utf8',
  });
  return JSON.parse(out) as { valid: boolean; errors: unknown };
}
