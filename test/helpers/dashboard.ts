import type { TestApp } from './app';

type Body = { json?: unknown; raw?: string | Buffer; contentType?: string; headers?: Record<string, string> };

/**
 * Requests to the JSON API as a signed-in dashboard user (the cookie from `signIn`), or as
 * nobody when the cookie is undefined.
 */
export function asUser(app: TestApp, cookie: string | undefined) {
  const send = (method: string, path: string, body: Body = {}) => {
    const headers: Record<string, string> = { ...(cookie ? { cookie } : {}), ...body.headers };
    if (body.json !== undefined) headers['content-type'] = body.contentType ?? 'application/json';
    else if (body.contentType) headers['content-type'] = body.contentType;
    return fetch(app.url + path, {
      method,
      headers,
      body: body.json !== undefined ? JSON.stringify(body.json) : typeof body.raw === 'string' || body.raw === undefined ? body.raw : new Uint8Array(body.raw),
    });
  };
  return {
    get: (path: string) => send('GET', path),
    put: (path: string, json: unknown, body: Omit<Body, 'json'> = {}) => send('PUT', path, { ...body, json }),
    delete: (path: string, body: Body = {}) => send('DELETE', path, body),
    patch: (path: string, json: unknown) => send('PATCH', path, { json }),
    /** Any method with a JSON body. */
    send: (method: string, path: string, json: unknown) => send(method, path, { json }),
    post: (path: string, body: Body = {}) => send('POST', path, body),
    /** A file upload as the importers take it: the raw bytes with a content type. */
    upload: (path: string, raw: string | Buffer, contentType = 'text/csv') => send('POST', path, { raw, contentType }),
  };
}

export type AsUser = ReturnType<typeof asUser>;
