import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ROOT } from './process';

export type DockerStage = { from: string; instructions: { keyword: string; args: string }[] };

/** The Dockerfile's stages, each with its instructions (continuation lines joined, comments dropped). */
export function readDockerfile(path = resolve(ROOT, 'Dockerfile')): DockerStage[] {
  const logical = readFileSync(path, 'utf8')
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  const stages: DockerStage[] = [];
  for (const line of logical) {
    const [, keyword = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    if (keyword.toUpperCase() === 'FROM') stages.push({ from: args, instructions: [] });
    else stages.at(-1)?.instructions.push({ keyword: keyword.toUpperCase(), args });
  }
  return stages;
}

/** The exec form (JSON array) of an instruction of the image's final stage, e.g. CMD. */
export function execForm(stage: DockerStage, keyword: 'CMD' | 'ENTRYPOINT'): string[] {
  const found = stage.instructions.filter((i) => i.keyword === keyword).at(-1);
  if (!found) throw new Error(`no ${keyword} in the final stage`);
  return JSON.parse(found.args) as string[];
}
