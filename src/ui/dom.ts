/**
 * Small DOM helpers of the page, on the browser's own types (`lib.dom.d.ts`: src/ui/tsconfig.json
 * compiles the page with the DOM library; the server's tsconfig leaves src/ui out).
 */

/**
 * The element with id `id`, as the element type the page's HTML declares for it.
 * @throws Error when the page has no such element (the HTML and the script disagree)
 */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`The page has no element #${id}.`);
  return el as T;
}

/** Creates an HTML element with attributes and children (strings become text nodes, never HTML). */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  el.append(...children);
  return el;
}

const svgNs = 'http://www.w3.org/2000/svg';

/** Creates an SVG element with attributes and children (strings become text nodes). */
export function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number> = {},
  ...children: (Node | string)[]
): SVGElementTagNameMap[K] {
  const el = document.createElementNS(svgNs, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  el.append(...children);
  return el;
}
