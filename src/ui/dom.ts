/**
 * The few DOM APIs the page uses, typed locally. The app is compiled with `lib: ES2023` and Node.js
 * types only (adding the DOM lib to the whole program would change the types of server code), so the
 * page reaches the browser's globals through these interfaces instead of `lib.dom.d.ts`. Only what the
 * page needs is declared; every member exists with this meaning in all current browsers.
 */

/** A DOM event (only what the page uses). */
export interface UiEvent {
  preventDefault(): void;
}

/** An element (HTML or SVG). */
export interface UiElement {
  textContent: string | null;
  hidden: boolean;
  setAttribute(name: string, value: string): void;
  removeAttribute(name: string): void;
  append(...nodes: (UiElement | string)[]): void;
  replaceChildren(...nodes: (UiElement | string)[]): void;
  addEventListener(type: string, listener: (event: UiEvent) => void): void;
}

/** A file picked in an `<input type="file">` (a `Blob` with a name). */
export interface UiFile extends Blob {
  readonly name: string;
}

/** `<input>` */
export interface UiInput extends UiElement {
  value: string;
  checked: boolean;
  disabled: boolean;
  readonly files: { readonly length: number; item(index: number): UiFile | null } | null;
}

/** `<progress>` (no `value` attribute = indeterminate). */
export interface UiProgress extends UiElement {
  value: number;
  max: number;
}

/** `<button>` */
export interface UiButton extends UiElement {
  disabled: boolean;
}

/** `<a>` */
export interface UiAnchor extends UiElement {
  href: string;
}

/** `document` */
export interface UiDocument {
  getElementById(id: string): UiElement | null;
  createElement(tagName: string): UiElement;
  createElementNS(namespace: string, qualifiedName: string): UiElement;
}

/** The browser's global object (`window`). */
export interface UiWindow {
  document: UiDocument;
  location: { href: string };
}

/** The browser's global object. Only meaningful in a browser. */
export function browserWindow(): UiWindow {
  return globalThis as unknown as UiWindow;
}

/**
 * The element with id `id`, as the element type the page's HTML declares for it.
 * @throws Error when the page has no such element (the HTML and the script disagree)
 */
export function byId<T extends UiElement>(id: string): T {
  const el = browserWindow().document.getElementById(id);
  if (!el) throw new Error(`The page has no element #${id}.`);
  return el as T;
}

/** Creates an HTML element with attributes and children. */
export function h(tag: string, attrs: Record<string, string> = {}, ...children: (UiElement | string)[]): UiElement {
  const el = browserWindow().document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  el.append(...children);
  return el;
}

const svgNs = 'http://www.w3.org/2000/svg';

/** Creates an SVG element with attributes and children. */
export function svg(tag: string, attrs: Record<string, string | number> = {}, ...children: (UiElement | string)[]): UiElement {
  const el = browserWindow().document.createElementNS(svgNs, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  el.append(...children);
  return el;
}
