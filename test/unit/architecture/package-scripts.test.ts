import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { execForm, readDockerfile } from '../../helpers/dockerfile';

/*
 * SPEC §2 "Running it": `npm start` is the development entry (NODE_ENV=development unless set);
 * `start:api` and `start:workers` run the compiled JavaScript, the same commands as the image.
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const pkg = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

/** The NODE_ENV that `npm start`'s command line gives the process, run by sh as npm does, with node in place of tsx. */
function nodeEnvOfStart(env: Record<string, string>): string {
  const command = pkg.scripts.start!.replace(/\btsx src\/main\.ts$/, 'node -p process.env.NODE_ENV');
  expect(command).not.toBe(pkg.scripts.start);
  return execFileSync('sh', ['-c', command], { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8' }).trim();
}

describe('package.json scripts', () => {
  it('npm start runs the TypeScript entry with NODE_ENV=development when unset, and keeps a NODE_ENV that is set', () => {
    expect(pkg.scripts.start).toMatch(/ tsx src\/main\.ts$/);
    expect(nodeEnvOfStart({})).toBe('development');
    expect(nodeEnvOfStart({ NODE_ENV: 'production' })).toBe('production');
  });

  it('start:api and start:workers run node on the compiled dist/, as the image and compose do, with no NODE_ENV of their own', () => {
    expect(pkg.scripts['start:api']!.split(' ')).toEqual(execForm(readDockerfile().at(-1)!, 'CMD'));
    expect(pkg.scripts['start:api']).toBe('node dist/src/main.js --api');
    expect(pkg.scripts['start:workers']).toBe('node dist/workers/main.js');
  });

  it('keeps tsx a development dependency: the image (npm ci --omit=dev) runs only compiled JavaScript', () => {
    expect(pkg.dependencies.tsx).toBeUndefined();
    expect(pkg.devDependencies.tsx).toBeDefined();
  });
});
