"use strict";
/**
 * The few DOM APIs the page uses, typed locally. The app is compiled with `lib: ES2023` and Node.js
 * types only (adding the DOM lib to the whole program would change the types of server code), so the
 * page reaches the browser's globals through these interfaces instead of `lib.dom.d.ts`. Only what the
 * page needs is declared; every member exists with this meaning in all current browsers.
 */
Object.defineProperty(exports, "__esModule", { value: true });
exports.browserWindow = browserWindow;
exports.byId = byId;
exports.h = h;
exports.svg = svg;
/** The browser's global object. Only meaningful in a browser. */
function browserWindow() {
    return globalThis;
}
/**
 * The element with id `id`, as the element type the page's HTML declares for it.
 * @throws Error when the page has no such element (the HTML and the script disagree)
 */
function byId(id) {
    const el = browserWindow().document.getElementById(id);
    if (!el)
        throw new Error(`The page has no element #${id}.`);
    return el;
}
/** Creates an HTML element with attributes and children. */
function h(tag, attrs = {}, ...children) {
    const el = browserWindow().document.createElement(tag);
    for (const [k, v] of Object.entries(attrs))
        el.setAttribute(k, v);
    el.append(...children);
    return el;
}
const svgNs = 'http://www.w3.org/2000/svg';
/** Creates an SVG element with attributes and children. */
function svg(tag, attrs = {}, ...children) {
    const el = browserWindow().document.createElementNS(svgNs, tag);
    for (const [k, v] of Object.entries(attrs))
        el.setAttribute(k, String(v));
    el.append(...children);
    return el;
}
//# sourceMappingURL=dom.js.map