import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { findBicep, lintMain, nugetRid, parseDiagnostics } from '../../scripts/infraCheck';

/**
 * scripts/infraCheck.ts (`npm run infra:check`) must fail on every warning: its parsers are checked
 * against the real Bicep CLI's output for a file with known problems. Without a CLI: see
 * infraConsistency.test.ts (CI requires it; elsewhere the compiled checks are reported as skipped).
 */
const bicep = findBicep();
if (!bicep && (process.env.CI === 'true' || process.env.CI === '1'))
  throw new Error('CI=true but no Bicep CLI was found (npm run infra:check -- --install).');

test('parses the CLI text diagnostics format', () => {
  expect(
    parseDiagnostics(
      '/x/main.bicep(3,7) : Warning no-unused-params: Parameter "p" is declared but never used. [https://aka.ms/x]\nnoise\n',
    ),
  ).toEqual([
    {
      location: '/x/main.bicep(3,7)',
      level: 'Warning',
      code: 'no-unused-params',
      message: 'Parameter "p" is declared but never used. [https://aka.ms/x]',
    },
  ]);
  expect(nugetRid('linux', 'x64')).toBe('linux-x64');
  expect(nugetRid('darwin', 'arm64')).toBe('osx-arm64');
  expect(nugetRid('win32', 'x64')).toBe('win-x64');
});

(bicep ? describe : (name: string) => process.stderr.write(`skipped: no Bicep CLI: "${name}"\n`))('with the Bicep CLI', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'bicep-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('reports every linter and compiler warning (the CLI itself exits 0), except a justified suppression', () => {
    const file = join(dir, 'warn.bicep');
    writeFileSync(
      file,
      [
        '// Kept for callers of an older version of this module.',
        '#disable-next-line no-unused-params',
        'param suppressed string',
        'param unused string',
        "resource x 'Microsoft.Foo/bars@2020-01-01' = {",
        "  name: 'x'",
        '}',
        '',
      ].join('\n'),
    );
    expect(
      lintMain(bicep!.path, file)
        .map((d) => `${d.code} ${d.location.replace(/^.*:/, '')}`)
        .sort(),
    ).toEqual(['BCP081 5', 'no-unused-params 4']);
  });
});
