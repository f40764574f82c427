import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../../config/env';
import { apiDocument } from '../../../src/api-document';
import { createApp } from '../../../src/app';
import { EVENT_EXAMPLES } from '../../../src/intake/events.api';
import { parseEvent } from '../../../src/intake/parse-event';
import type { MailSink } from '../../../src/platform/mail-sink';
import { createQueues, type Queues } from '../../../src/platform/queues';
import { createRedis } from '../../../src/platform/redis';
import { createStores } from '../../../src/stores';
import { startTestApp, TEST_SECRET, type TestApp } from '../../helpers/app';
import { ROOT } from '../../helpers/process';

const run = promisify(execFile);
let app: TestApp;
let dir: string;

beforeAll(async () => {
  app = await startTestApp({ env: { NODE_ENV: 'development' } });
  dir = mkdtempSync(join(tmpdir(), 'endeavor-openapi-'));
});
afterAll(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

type Document = { servers: { url: string }[]; paths: Record<string, Record<string, { requestBody?: { content: Record<string, { examples?: Record<string, { value: unknown }> }> } }>>; components: { securitySchemes: Record<string, unknown> } };
const served = async () => (await (await fetch(`${app.url}/api/v1/openapi.json`)).json()) as Document;

/** Every (method, path) an Express app routes, in OpenAPI spelling, walking nested routers. */
function routesOf(expressApp: Express): string[] {
  type Layer = { route?: { path: string; methods: Record<string, boolean> }; handle?: { stack?: Layer[] } };
  const found: string[] = [];
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) for (const method of Object.keys(layer.route.methods)) found.push(`${method} ${layer.route.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`);
      else if (layer.handle?.stack) walk(layer.handle.stack);
    }
  };
  walk((expressApp as unknown as { router: { stack: Layer[] } }).router.stack);
  return found;
}

describe('the OpenAPI document', () => {
  it('passes @redocly/cli lint with no errors', async () => {
    const file = join(dir, 'openapi.json');
    writeFileSync(file, JSON.stringify(await served()));
    const result = await run(process.execPath, [join(ROOT, 'node_modules/@redocly/cli/bin/cli.js'), 'lint', file, '--format', 'json'], {
      cwd: dir,
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
    }).catch((err: { code: number; stdout: string; stderr: string }) => err);
    const report = JSON.parse(result.stdout.slice(result.stdout.indexOf('{'))) as { totals: { errors: number }; problems: { ruleId: string; message: string; severity: string }[] };
    expect(report.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(report.totals.errors).toBe(0);
    // Warnings too, but two: sign-out and the document itself have no 4xx answer to declare, and
    // the test app's PUBLIC_BASE_URL is localhost.
    const expected = new Set(['operation-4xx-response', 'no-server-example.com']);
    expect(report.problems.filter((p) => !expected.has(p.ruleId))).toEqual([]);
  });

  it('has a servers entry, both security schemes and an example of each event type that the schema accepts', async () => {
    const document = await served();
    expect(document.servers[0]!.url).toBe(app.config.publicBaseUrl);
    expect(Object.keys(document.components.securitySchemes).sort()).toEqual(['feedKey', 'session']);
    const examples = document.paths['/api/v1/events']!.post!.requestBody!.content['application/json']!.examples!;
    const types = Object.values(examples).map((e) => (e.value as { type: string }).type);
    expect(types.sort()).toEqual(['missing.cancelled', 'missing.found', 'missing.reported', 'missing.updated']);
    for (const example of Object.values(EVENT_EXAMPLES)) {
      const parsed = parseEvent(example.value, new Date('2026-11-28T00:00:00Z'));
      expect(parsed.ok, JSON.stringify(parsed)).toBe(true);
    }
  });

  it('documents the admin\'s TOTP reset (a lost phone) in PATCH /api/v1/users/{id}', async () => {
    const patch = (await served()).paths['/api/v1/users/{id}']!.patch as unknown as { summary: string; requestBody: { content: Record<string, { schema: { properties: Record<string, { const?: unknown; description?: string }> } }> } };
    expect(patch.summary).toMatch(/reset their TOTP/);
    const resetTotp = patch.requestBody.content['application/json']!.schema.properties.resetTotp;
    expect(resetTotp).toMatchObject({ const: true, description: expect.stringMatching(/lost phone/) });
  });

  it('covers every /api/v1 route the app serves (a route added without its entry fails here)', async () => {
    const config = loadConfig({ NODE_ENV: 'development', REDIS_URL: inject('redisUrl'), QUEUE_PREFIX: 'openapi-walk' });
    const redis = createRedis(config.redisUrl, 'request');
    const queues: Queues = createQueues(redis, config.queuePrefix);
    // With a mail sink, so that the development route is served (and walked) too.
    const mailSink: MailSink = { url: 'smtp://127.0.0.1:1', port: 1, messages: () => [], close: async () => undefined };
    try {
      const routes = routesOf(createApp({ config, redis, queues, stores: createStores(redis, config.queuePrefix), secret: TEST_SECRET, mailSink }));
      const api = routes.filter((r) => r.split(' ')[1]!.startsWith('/api/v1'));
      expect(api.length).toBeGreaterThan(10);
      const document = apiDocument(config.publicBaseUrl) as Document;
      const documented = new Set(Object.entries(document.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`)));
      expect(api.filter((r) => !documented.has(r))).toEqual([]);
      expect([...documented].filter((r) => !api.includes(r))).toEqual([]);
    } finally {
      await queues.close();
      redis.disconnect();
    }
  });
});
