/** Just what the tests' identity provider uses of oidc-provider (it ships no types). */
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';
  type Context = {
    oidc: {
      provider: { Grant: new (init: { clientId: string; accountId: string }) => { addOIDCScope(scope: string): void; save(): Promise<string> } };
      client?: { clientId: string };
      session?: { accountId?: string };
    };
  };
  export default class Provider {
    constructor(issuer: string, configuration: Record<string, unknown> & {
      findAccount?: (ctx: Context, sub: string) => { accountId: string; claims: () => Record<string, unknown> } | undefined;
      loadExistingGrant?: (ctx: Context) => Promise<unknown>;
    });
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
  }
}
