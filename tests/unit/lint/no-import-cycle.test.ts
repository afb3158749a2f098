/**
 * The house import-cycle rule on a project of its own: cycles through type-only imports are
 * found, with the route, and an acyclic import is left alone.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';

const ROOT = path.resolve(__dirname, '../../..');

let dir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'no-import-cycle-'));
  const files: Record<string, string> = {
    'tsconfig.json': JSON.stringify({
      compilerOptions: { module: 'commonjs', strict: true },
      include: ['*.ts'],
    }),
    // a -> b by value, b -> a by type only: a cycle all the same.
    'a.ts': "import { b } from './b';\nexport type A = number;\nexport const a = b;\n",
    'b.ts': "import type { A } from './a';\nexport const b: A = 1;\n",
    // c imports a, and nothing leads back to c.
    'c.ts': "import { a } from './a';\nexport const c = a;\n",
  };
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

test('reports each import of a cycle with its route, type-only imports included', async () => {
  const house = jest.requireActual<ESLint.Plugin>(path.join(ROOT, 'lint/no-import-cycle.js'));
  const eslint = new ESLint({
    cwd: dir,
    overrideConfigFile: true,
    overrideConfig: [
      {
        files: ['**/*.ts'],
        languageOptions: { parser: tseslint.parser },
        plugins: { house },
        rules: { 'house/no-import-cycle': ['error', { project: path.join(dir, 'tsconfig.json') }] },
      },
    ],
  });
  const results = await eslint.lintFiles(['a.ts', 'b.ts', 'c.ts']);
  const found = results.map((r) => ({
    file: path.basename(r.filePath),
    messages: r.messages.map((m) => `${m.line}: ${m.ruleId ?? 'fatal'}: ${m.message}`),
  }));
  expect(found).toEqual([
    { file: 'a.ts', messages: ['1: house/no-import-cycle: Import cycle: a.ts -> b.ts -> a.ts'] },
    { file: 'b.ts', messages: ['1: house/no-import-cycle: Import cycle: b.ts -> a.ts -> b.ts'] },
    { file: 'c.ts', messages: [] },
  ]);
});
