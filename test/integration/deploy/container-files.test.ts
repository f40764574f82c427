import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../config/env';
import { execForm, readDockerfile, type DockerStage } from '../../helpers/dockerfile';
import { ROOT } from '../../helpers/process';

/* SPEC §12: what the image and `docker compose up` promise, read from the files themselves. */

const stages = readDockerfile();
const runtime = stages.at(-1)!;
const args = (stage: DockerStage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);

describe('Dockerfile', () => {
  it('builds in one stage and runs on the current Node LTS in another', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(stages[0]!.from).toMatch(/^node:24-\S+ AS build$/);
    expect(args(stages[0]!, 'RUN')).toContain('npm run build');
    expect(runtime.from).toMatch(/^node:24-bookworm-slim$/);
  });

  it('installs production dependencies only and copies the compiled dist/, no TypeScript sources', () => {
    expect(args(runtime, 'RUN').some((run) => run.includes('npm ci --omit=dev'))).toBe(true);
    expect(args(runtime, 'COPY')).toContain('--from=build /app/dist ./dist');
    expect(args(runtime, 'COPY').filter((copy) => /\b(src|workers|scripts|config)\b/.test(copy) && !copy.includes('--from'))).toEqual([]);
  });

  it('runs as the unprivileged node user, with tini as init and node as the command', () => {
    expect(args(runtime, 'USER').at(-1)).toBe('node');
    expect(args(runtime, 'RUN').some((run) => run.includes('install') && run.includes('tini'))).toBe(true);
    expect(execForm(runtime, 'ENTRYPOINT')).toEqual(['/usr/bin/tini', '--']);
    expect(execForm(runtime, 'CMD')[0]).toBe('node');
  });

  it('has a health check and makes `npm run directory` run the compiled CLI', () => {
    expect(args(runtime, 'HEALTHCHECK').at(-1)).toMatch(/CMD \["node", "-e", ".*\/healthz/);
    expect(args(runtime, 'RUN').some((run) => run.includes('npm pkg set scripts.directory="node dist/scripts/directory.js"'))).toBe(true);
  });

  it('keeps the dev Redis data, dependencies, builds, secrets and git out of the build context', () => {
    const ignored = readFileSync(resolve(ROOT, '.dockerignore'), 'utf8').split('\n').map((line) => line.trim());
    for (const entry of ['node_modules', 'data', '.git', 'dist', 'test-results', '.env']) expect(ignored).toContain(entry);
  });
});

describe('docker-compose.yml', () => {
  type Service = {
    image?: string;
    command?: string[];
    restart?: string;
    healthcheck?: { test: string[] };
    stop_grace_period?: string;
    environment?: Record<string, string>;
    ports?: (string | { published?: number; target?: number; host_ip?: string })[];
  };
  let services: Record<string, Service>;
  let dir: string;

  beforeAll(() => {
    // `docker-compose config` validates without an engine; it needs the .env the file names.
    dir = mkdtempSync(join(tmpdir(), 'endeavor-compose-'));
    for (const file of ['docker-compose.yml', 'Dockerfile']) copyFileSync(resolve(ROOT, file), join(dir, file));
    copyFileSync(resolve(ROOT, '.env.example'), join(dir, '.env'));
    const yaml = execFileSync('docker-compose', ['config'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    // Debian's docker-compose (v1) prints YAML only; its python3-yaml turns it into JSON.
    const json = execFileSync('python3', ['-c', 'import sys, json, yaml; print(json.dumps(yaml.safe_load(sys.stdin)))'], { input: yaml, encoding: 'utf8' });
    services = (JSON.parse(json) as { services: Record<string, Service> }).services;
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('brings Redis with AOF and noeviction, a pinned mail catcher, the api and two workers', () => {
    expect(Object.keys(services).sort()).toEqual(['api', 'mail', 'redis', 'workers-1', 'workers-2']);
    expect(services.redis!.command).toEqual(expect.arrayContaining(['--appendonly', 'yes', '--maxmemory-policy', 'noeviction']));
    expect(services.mail!.image).toMatch(/^axllent\/mailpit:v\d+\.\d+\.\d+$/);
    expect(services.redis!.image).toMatch(/^redis:\d+\.\d+/);
  });

  it('gives every service a health check and a restart policy', () => {
    for (const [name, service] of Object.entries(services)) {
      expect(service.restart, name).toBe('unless-stopped');
      expect(service.healthcheck?.test[0], name).toBe('CMD');
    }
  });

  it('runs the image commands the SIGTERM tests run, with a grace period above SHUTDOWN_TIMEOUT_MS', () => {
    expect(services.api!.command).toEqual(execForm(runtime, 'CMD'));
    for (const name of ['workers-1', 'workers-2']) {
      expect(services[name]!.command!.slice(0, 2)).toEqual(['node', 'dist/workers/main.js']);
      expect(services[name]!.healthcheck!.test.join(' ')).toContain(services[name]!.command!.at(-1));
    }
    for (const name of ['api', 'workers-1', 'workers-2']) {
      const service = services[name]!;
      const graceMs = Number(/^(\d+)s$/.exec(service.stop_grace_period ?? '')?.[1]) * 1000;
      expect(Number(service.environment!.SHUTDOWN_TIMEOUT_MS)).toBeLessThan(graceMs);
    }
  });

  it('publishes the api and Mailpit on 127.0.0.1 only, not on every interface of the host', () => {
    const published = Object.entries(services).flatMap(([name, service]) => (service.ports ?? []).map((port) => [name, port] as const));
    expect(published.map(([name]) => name).sort()).toEqual(['api', 'mail']);
    for (const [name, port] of published) {
      const host = typeof port === 'string' ? /^(\d+\.\d+\.\d+\.\d+):\d+:\d+/.exec(port)?.[1] : port.host_ip;
      expect(host, `${name} ${JSON.stringify(port)}`).toBe('127.0.0.1');
    }
  });

  it('ships an .env.example with no usable secret: no admin password, secret key, feed key or credentials in a URL', () => {
    const env = services.api!.environment!;
    for (const name of ['SECRET_KEY', 'ADMIN_EMAIL', 'ADMIN_PASSWORD', 'INTAKE_API_KEYS', 'METRICS_TOKEN', 'OIDC_CLIENT_SECRET']) expect(env[name] ?? '', name).toBe('');
    for (const [name, value] of Object.entries(env)) {
      if (/SECRET|PASSWORD|TOKEN|_KEYS?$/.test(name)) expect(value, name).toBe('');
      if (/^[a-z]+:\/\//.test(value)) expect(new URL(value).password, name).toBe('');
    }
    // Each empty one says how to make a value.
    const example = readFileSync(resolve(ROOT, '.env.example'), 'utf8');
    expect(example).toMatch(/openssl rand/);
  });

  it('as shipped starts the demo in development (a random SECRET_KEY, no configured admin), and strict mode refuses it until it is configured', () => {
    const env = services.api!.environment!;
    expect(env.NODE_ENV).toBe('development');
    const demo = loadConfig(env);
    expect(demo).toMatchObject({ production: false, secretKey: undefined, admin: undefined });
    const strict = { ...env, NODE_ENV: undefined };
    const refusal = (() => {
      try {
        loadConfig(strict);
      } catch (error) {
        return (error as Error).message;
      }
      throw new Error('strict mode accepted the demo environment');
    })();
    for (const variable of ['SMTP_URL', 'SECRET_KEY', 'INTAKE_API_KEYS', 'PUBLIC_BASE_URL']) expect(refusal).toMatch(new RegExp(`^invalid configuration: ${variable} `, 'm'));
  });
});
