"use strict";
/**
 * HTTP trigger route templates as the Functions host understands them (ASP.NET Core route syntax,
 * https://learn.microsoft.com/aspnet/core/fundamentals/routing#route-templates): literal segments
 * (case-insensitive), `{name}`, `{name?}`, `{name:constraint}`, `{*catchAll}`.
 */
Object.defineProperty(exports, "__esModule", { value: true });
exports.compileRoute = compileRoute;
exports.compareRoutes = compareRoutes;
exports.matchRoute = matchRoute;
const constraints = {
    int: (v) => /^-?\d+$/.test(v) && Number(v) >= -(2 ** 31) && Number(v) <= 2 ** 31 - 1,
    long: (v) => /^-?\d+$/.test(v),
    bool: (v) => /^(true|false)$/i.test(v),
    guid: (v) => /^\{?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\}?$/i.test(v),
    alpha: (v) => /^[a-z]+$/i.test(v),
    double: (v) => v.trim() !== '' && Number.isFinite(Number(v)),
    float: (v) => v.trim() !== '' && Number.isFinite(Number(v)),
    decimal: (v) => v.trim() !== '' && Number.isFinite(Number(v)),
};
/**
 * Compiles a route template (without the route prefix).
 * @throws on unsupported syntax or an unknown constraint
 */
function compileRoute(template) {
    const parts = template
        .replace(/^\/+|\/+$/g, '')
        .split('/')
        .filter((p) => p !== '');
    const segments = parts.map((part) => {
        const m = /^\{(\*)?([A-Za-z_][A-Za-z0-9_]*)(?::([a-z]+))?(\?)?\}$/.exec(part);
        if (!m) {
            if (part.includes('{') || part.includes('}'))
                throw new Error(`Unsupported route segment '${part}' in '${template}'`);
            return { kind: 'literal', text: part.toLowerCase() };
        }
        const [, star, name = '', constraint, optional] = m;
        if (star)
            return { kind: 'catchAll', name };
        const check = constraint ? constraints[constraint] : undefined;
        if (constraint && !check)
            throw new Error(`Unsupported route constraint '${constraint}' in '${template}'`);
        return { kind: 'param', name, optional: optional === '?', ...(check ? { constraint: check } : {}) };
    });
    const precedence = segments.map((s) => (s.kind === 'literal' ? 0 : s.kind === 'catchAll' ? 4 : s.optional ? 3 : s.constraint ? 1 : 2));
    return { template, segments, precedence };
}
/** Orders routes by precedence, most specific first. */
function compareRoutes(a, b) {
    const n = Math.max(a.precedence.length, b.precedence.length);
    for (let i = 0; i < n; i++) {
        const d = (a.precedence[i] ?? -1) - (b.precedence[i] ?? -1);
        if (d !== 0)
            return d;
    }
    return 0;
}
/**
 * Matches a request path (after the route prefix, not URL-decoded) against a route.
 * @returns the decoded route parameters, or undefined when it does not match
 */
function matchRoute(route, path) {
    const parts = path
        .replace(/^\/+|\/+$/g, '')
        .split('/')
        .filter((p) => p !== '');
    const params = {};
    let i = 0;
    for (const seg of route.segments) {
        if (seg.kind === 'catchAll') {
            const rest = safeDecode(parts.slice(i).join('/'));
            if (rest === undefined)
                return undefined;
            params[seg.name] = rest;
            return params;
        }
        const part = parts[i];
        if (part === undefined) {
            if (seg.kind === 'param' && seg.optional)
                continue;
            return undefined;
        }
        const value = safeDecode(part);
        if (value === undefined)
            return undefined;
        if (seg.kind === 'literal') {
            if (value.toLowerCase() !== seg.text)
                return undefined;
        }
        else {
            if (seg.constraint && !seg.constraint(value))
                return undefined;
            params[seg.name] = value;
        }
        i++;
    }
    return i === parts.length ? params : undefined;
}
function safeDecode(s) {
    try {
        return decodeURIComponent(s);
    }
    catch {
        return undefined;
    }
}
//# sourceMappingURL=routes.js.map