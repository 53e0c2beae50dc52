"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.ui = ui;
const promises_1 = require("node:fs/promises");
const node_path_1 = require("node:path");
const functions_1 = require("@azure/functions");
const problem_1 = require("../core/problem");
const jobResponses_1 = require("../http/jobResponses");
/**
 * The browser page's files, built by scripts/buildUi.js into dist/ui (this file runs as
 * dist/src/functions/ui.js). Only these two paths are served: the route parameter is looked up in this
 * table, never joined to a file path, so no request can reach another file.
 */
const uiDir = (0, node_path_1.join)(__dirname, '..', '..', 'ui');
const files = {
    '': { file: 'index.html', contentType: 'text/html; charset=utf-8' },
    'app.js': { file: 'app.js', contentType: 'text/javascript; charset=utf-8' },
};
const securityHeaders = {
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    // Scripts only from this app; the page fetches the job API (same origin) and the result's SAS URL (storage).
    'Content-Security-Policy': "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; img-src 'self' data:; connect-src *; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
};
/**
 * `GET /api/ui` (the page, also at `/api/ui/`) and `GET /api/ui/app.js` (its script). Any other path
 * under `/api/ui/`: 404 problem. Files are read on each request (they are small), so a rebuild shows
 * up without restarting the host.
 */
async function ui(request, context) {
    const path = request.params.path ?? '';
    const entry = Object.hasOwn(files, path) ? files[path] : undefined;
    if (!entry)
        return (0, jobResponses_1.problemResponse)({ ...(0, problem_1.problem)(404, 'No such page.'), instance: new URL(request.url).pathname });
    let body;
    try {
        body = await (0, promises_1.readFile)((0, node_path_1.join)(uiDir, entry.file));
    }
    catch (err) {
        context.error(`UI file ${entry.file} missing in ${uiDir} (run npm run build):`, err);
        return (0, jobResponses_1.problemResponse)((0, problem_1.problem)(500, 'The page is not built.'));
    }
    return {
        status: 200,
        headers: { ...securityHeaders, 'Content-Type': entry.contentType, 'Cache-Control': 'no-cache' },
        body,
    };
}
functions_1.app.http('ui', {
    methods: ['GET'],
    route: 'ui/{*path}',
    authLevel: 'anonymous',
    handler: ui,
});
//# sourceMappingURL=ui.js.map