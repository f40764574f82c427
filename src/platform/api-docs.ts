import { html, layout, type Html } from './html';

/*
 * SPEC §3 `GET /api/docs`: the OpenAPI document as a readable reference, rendered on the
 * server into plain HTML. No JavaScript renderer (Redoc, Scalar, Swagger UI): those need
 * inline styles or eval-like code that the strict CSP of every page forbids, some declare
 * Node >= 22, and a reference that is plain HTML works with scripts off, prints, and is read
 * by screen readers like any other page.
 */

type Schema = {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  oneOf?: Schema[];
  anyOf?: Schema[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  maxItems?: number;
  description?: string;
  default?: unknown;
  additionalProperties?: boolean | Schema;
};
type Content = Record<string, { schema?: Schema; examples?: Record<string, { summary?: string; value: unknown }> }>;
type Operation = {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  security: Record<string, string[]>[];
  parameters?: { name: string; in: string; required: boolean; description?: string; schema: Schema }[];
  requestBody?: { required: boolean; description?: string; content: Content };
  responses: Record<string, { description: string; content?: Content; headers?: Record<string, { description: string }> }>;
};
type Document = {
  info: { title: string; version: string; description: string };
  servers: { url: string; description?: string }[];
  tags: { name: string; description: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, { type: string; scheme?: string; in?: string; name?: string; description: string }>; schemas: Record<string, Schema> };
};

const schemaName = (ref: string) => ref.split('/').pop()!;
const anchor = (name: string) => `schema-${name}`;

/** A schema's type in a few words, with a link for a named one. */
function typeOf(schema: Schema): Html {
  if (schema.$ref) return html`<a href="#${anchor(schemaName(schema.$ref))}">${schemaName(schema.$ref)}</a>`;
  if (schema.const !== undefined) return html`<code>${JSON.stringify(schema.const)}</code>`;
  if (schema.oneOf || schema.anyOf) return html`one of: ${(schema.oneOf ?? schema.anyOf)!.map((s, i) => html`${i > 0 ? ' | ' : ''}${typeOf(s)}`)}`;
  if (schema.type === 'array' && schema.items) return html`array of ${typeOf(schema.items)}`;
  const type = Array.isArray(schema.type) ? schema.type.join(' or ') : (schema.type ?? 'any');
  return html`${type}${schema.format ? ` (${schema.format})` : ''}`;
}

/** Constraints a caller must meet, in words. */
function rulesOf(schema: Schema): string {
  const rules: string[] = [];
  if (schema.description) rules.push(schema.description);
  if (schema.enum) rules.push(`one of ${schema.enum.map((v) => JSON.stringify(v)).join(', ')}`);
  // Date and date-time patterns are zod's spelling of the format: the format says it better.
  if (schema.pattern && !schema.format) rules.push(`matches ${schema.pattern}`);
  if (schema.minLength !== undefined && schema.minLength > 0) rules.push(`at least ${schema.minLength} characters`);
  if (schema.maxLength !== undefined) rules.push(`at most ${schema.maxLength} characters`);
  if (schema.minimum !== undefined) rules.push(`≥ ${schema.minimum}`);
  if (schema.maximum !== undefined) rules.push(`≤ ${schema.maximum}`);
  if (schema.maxItems !== undefined) rules.push(`at most ${schema.maxItems} items`);
  if (schema.default !== undefined) rules.push(`default ${JSON.stringify(schema.default)}`);
  if (schema.additionalProperties === false) rules.push('no other fields');
  return rules.join('; ');
}

/** The fields of an object schema as table rows, nested objects flattened to dotted paths. */
function fieldRows(schema: Schema, prefix = '', depth = 0): Html[] {
  const rows: Html[] = [];
  for (const [name, field] of Object.entries(schema.properties ?? {})) {
    const path = `${prefix}${name}`;
    const required = (schema.required ?? []).includes(name);
    rows.push(html`<tr><td><code>${path}</code></td><td>${typeOf(field)}</td><td>${required ? 'yes' : 'no'}</td><td>${rulesOf(field)}</td></tr>`);
    const inner = field.type === 'array' ? field.items : field;
    if (inner?.properties && depth < 4) rows.push(...fieldRows(inner, `${path}${field.type === 'array' ? '[]' : ''}.`, depth + 1));
  }
  return rows;
}

function schemaBlock(schema: Schema, caption: string): Html {
  if (schema.oneOf || schema.anyOf) {
    const variants = (schema.oneOf ?? schema.anyOf)!;
    const label = (v: Schema, i: number) => `${caption}, shape ${i + 1}${typeof v.properties?.type?.const === 'string' ? `: ${v.properties.type.const}` : ''}`;
    return html`<p>One of ${variants.length} shapes:</p>${variants.map((v, i) => (v.$ref ? html`<p>${typeOf(v)}</p>` : schemaBlock(v, label(v, i))))}`;
  }
  if (!schema.properties) return html`<p>${typeOf(schema)}${rulesOf(schema) ? html` — ${rulesOf(schema)}` : ''}</p>`;
  return html`<table class="api-fields"><caption>${caption}</caption>
<thead><tr><th scope="col">Field</th><th scope="col">Type</th><th scope="col">Required</th><th scope="col">Rules</th></tr></thead>
<tbody>${fieldRows(schema)}</tbody></table>`;
}

function contentBlock(content: Content, caption: string): Html {
  return html`${Object.entries(content).map(
    ([type, media]) => html`<p>Content type <code>${type}</code></p>
${media.schema ? (media.schema.$ref ? html`<p>Body: ${typeOf(media.schema)}</p>` : schemaBlock(media.schema, caption)) : ''}
${Object.entries(media.examples ?? {}).map(([, example]) => html`<details><summary>Example: ${example.summary ?? ''}</summary><pre><code>${JSON.stringify(example.value, null, 2)}</code></pre></details>`)}`,
  )}`;
}

function operationBlock(path: string, method: string, op: Operation, doc: Document): Html {
  const auth = op.security.length === 0 ? 'none' : op.security.map((s) => Object.keys(s).map((k) => doc.components.securitySchemes[k]?.description ?? k).join(' + ')).join(' or ');
  return html`<section class="api-operation" id="${op.operationId}" aria-labelledby="${op.operationId}-title">
<h3 id="${op.operationId}-title"><span class="tag api-method">${method.toUpperCase()}</span> <code>${path}</code></h3>
<p>${op.summary}</p>${op.description ? html`<p>${op.description}</p>` : ''}
<p><strong>Authentication:</strong> ${auth}</p>
${op.parameters?.length
  ? html`<table class="api-fields"><caption>Parameters</caption><thead><tr><th scope="col">Name</th><th scope="col">In</th><th scope="col">Type</th><th scope="col">Required</th><th scope="col">Rules</th></tr></thead>
<tbody>${op.parameters.map((p) => html`<tr><td><code>${p.name}</code></td><td>${p.in}</td><td>${typeOf(p.schema)}</td><td>${p.required ? 'yes' : 'no'}</td><td>${[p.description, rulesOf(p.schema)].filter(Boolean).join('; ')}</td></tr>`)}</tbody></table>`
  : ''}
${op.requestBody ? html`<h4>Request body${op.requestBody.required ? '' : ' (optional)'}</h4>${op.requestBody.description ? html`<p>${op.requestBody.description}</p>` : ''}${contentBlock(op.requestBody.content, 'Request fields')}` : ''}
<h4>Responses</h4>
<table class="api-fields"><caption class="visually-hidden">Responses</caption><thead><tr><th scope="col">Status</th><th scope="col">Meaning</th><th scope="col">Body</th></tr></thead>
<tbody>${Object.entries(op.responses).map(
    ([status, r]) => html`<tr><td>${status}</td><td>${r.description}${r.headers ? html`<br><span class="hint-inline">Headers: ${Object.keys(r.headers).join(', ')}</span>` : ''}</td><td>${Object.entries(r.content ?? {}).map(([type, media]) => html`<code>${type}</code>${media.schema ? html` ${typeOf(media.schema)}` : ''} `)}</td></tr>`,
  )}</tbody></table>
${Object.entries(op.responses)
  .filter(([status, r]) => Number(status) < 300 && Object.values(r.content ?? {}).some((m) => m.schema && !m.schema.$ref && m.schema.properties))
  .map(([status, r]) => contentBlock(r.content!, `Response ${status} fields`))}
</section>`;
}

/** The whole reference page: overview, servers, authentication, operations by tag, schemas. */
export function renderApiDocs(document: Record<string, unknown>): string {
  const doc = document as unknown as Document;
  const byTag = doc.tags.map((tag) => ({
    tag,
    operations: Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([, op]) => op.tags.includes(tag.name))
        .map(([method, op]) => ({ path, method, op })),
    ),
  }));
  const body = html`<h1>${doc.info.title} <span class="hint-inline">version ${doc.info.version}</span></h1>
<p>${doc.info.description}</p>
<p>The machine-readable document: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a> (OpenAPI 3.1).</p>
<h2>Servers</h2>
<ul>${doc.servers.map((s) => html`<li><code>${s.url}</code>${s.description ? ` — ${s.description}` : ''}</li>`)}</ul>
<h2>Authentication</h2>
<dl class="summary">${Object.entries(doc.components.securitySchemes).map(([name, s]) => html`<dt>${name}</dt><dd>${s.description}</dd>`)}</dl>
<nav aria-labelledby="api-contents"><h2 id="api-contents">Operations</h2>
<ul>${byTag.map(({ tag, operations }) => html`<li>${tag.name}<ul>${operations.map(({ path, method, op }) => html`<li><a href="#${op.operationId}">${method.toUpperCase()} ${path}</a> — ${op.summary}</li>`)}</ul></li>`)}</ul></nav>
${byTag.map(({ tag, operations }) => html`<h2>${tag.name}</h2><p>${tag.description}</p>${operations.map(({ path, method, op }) => operationBlock(path, method, op, doc))}`)}
<h2>Schemas</h2>
${Object.entries(doc.components.schemas).map(([name, schema]) => html`<section id="${anchor(name)}" aria-labelledby="${anchor(name)}-title"><h3 id="${anchor(name)}-title">${name}</h3>${schemaBlock(schema, `${name} fields`)}</section>`)}`;
  return layout('API reference', body);
}
