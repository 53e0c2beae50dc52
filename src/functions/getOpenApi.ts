import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';

import { openApiDocument } from '../http/openapi';

let cached: string | undefined;

/** `GET /api/openapi.json`: the OpenAPI 3.1 document, generated from the zod schemas. */
export function getOpenApi(_request: HttpRequest, _context: InvocationContext): HttpResponseInit {
  cached ??= JSON.stringify(openApiDocument());
  return { status: 200, headers: { 'Content-Type': 'application/json', 'Cache-Control': 'public, max-age=300' }, body: cached };
}

app.http('getOpenApi', {
  methods: ['GET'],
  route: 'openapi.json',
  authLevel: 'anonymous',
  handler: getOpenApi,
});
