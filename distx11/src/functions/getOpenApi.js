"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.getOpenApi = getOpenApi;
const functions_1 = require("@azure/functions");
const openapi_1 = require("../http/openapi");
let cached;
/** `GET /api/openapi.json`: the OpenAPI 3.1 document, generated from the zod schemas. */
function getOpenApi(_request, _context) {
    cached ??= JSON.stringify((0, openapi_1.openApiDocument)());
    return { status: 200, headers: { 'Content-Type': 'application/json', 'Cache-Control': 'public, max-age=300' }, body: cached };
}
functions_1.app.http('getOpenApi', {
    methods: ['GET'],
    route: 'openapi.json',
    authLevel: 'anonymous',
    handler: getOpenApi,
});
//# sourceMappingURL=getOpenApi.js.map