import { z } from 'zod';
import type { ApiOperation } from './openapi';

/** SPEC §9: what the embedded development mail sink caught (only when it runs). */
export const mailSinkApi: ApiOperation[] = [
  {
    method: 'get',
    path: '/api/v1/dev/mail',
    tag: 'Development',
    summary: 'Mail caught by the embedded development sink',
    description: 'Only outside production without SMTP_URL; otherwise 404. Each view is audited.',
    auth: ['session'],
    responses: {
      200: {
        schema: z.object({
          messages: z.array(
            z.object({ id: z.string(), at: z.iso.datetime(), from: z.string(), to: z.array(z.string()), subject: z.string(), text: z.string(), html: z.string(), messageId: z.string() }),
          ),
        }),
      },
    },
    problems: { 403: 'Role may not read the sink', 404: 'No sink in this deployment' },
  },
];
