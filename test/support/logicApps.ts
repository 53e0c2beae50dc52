import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { type ExpressionDialect, type ExpressionNode, parseExpression } from './expressionSyntax';

/**
 * A replay of the Logic Apps façade (`infra/logic/workflow.definition.json`) as the Logic Apps
 * engine runs it, so the façade can be tested against the local host without Azure.
 *
 * Only what that definition uses is implemented; anything else fails loudly (an unknown function,
 * accessor, action type, input or action-level key throws {@link UnsupportedWorkflowFeature}), so
 * that a change to the definition cannot silently pass the tests with semantics nobody checked.
 *
 * Semantics modelled (sources: Logic Apps docs
 * "Call HTTP or HTTPS endpoints" (asynchronous request-response behaviour), "Handle errors and
 * exceptions" (retry policies), "Limits and configuration" (inbound request timeout); the threads
 * MicrosoftDocs/azure-docs#40772 and MicrosoftDocs/architecture-center#3396 (a 302 fails the
 * action), Azure/logicapps#611 (the action's authentication is also used on the Location polls)):
 *
 * - Request trigger (`kind: Http`, `relativePath` template): `triggerOutputs()` = `headers`,
 *   `relativePathParameters`, `queries`, `body`; `triggerBody()` = the body: parsed JSON for JSON
 *   media types, a string for `text/plain`, otherwise the binary-safe envelope
 *   `{ "$content-type", "$content" (base64) }` that Logic Apps uses for other content.
 * - HTTP action, asynchronous pattern ON (the default; the definition has no
 *   `operationOptions: DisableAsyncPattern`): send the request; while the answer is **202** with a
 *   `Location`, wait `Retry-After` seconds (20 s when absent) and `GET` the `Location` (resolved
 *   against the URL that answered); stop at the first non-202. 2xx → Succeeded; 3xx → Failed (the
 *   async pattern does not follow redirects); 4xx/5xx → Failed. The action's `authentication` is
 *   applied to the first request and every poll.
 * - `retryPolicy` `fixed` (`count`, `interval`) / `none`: each request (the first and each poll)
 *   is resent on 408, 429, 5xx or a connection failure, waiting `interval` in between. (Logic Apps
 *   documents retries for "the original request"; retrying polls the same way is an assumption.)
 * - `limit.timeout` (ISO 8601 duration): the whole action, polls included; when it passes the
 *   action ends as TimedOut (an in-flight request is aborted).
 * - `runAfter`: an action runs when each predecessor ended in one of the listed statuses, else it
 *   is Skipped. A `Response` action answers the trigger's caller with its evaluated `statusCode`,
 *   `headers` and `body`.
 * - `actions('X')` = `{ name, status, code, inputs, outputs, error, startTime, endTime }`;
 *   `outputs('X')` = `{ statusCode, headers, body }`; `body('X')` = `outputs('X').body`. An HTTP
 *   failure sets `code` to the status name and no `error` (as the engine reports it); a timeout sets
 *   `error: { code: 'ActionTimedOut', message }`.
 * - Expression language: `@expr` (any value), `@{expr}` string interpolation, `@@` escape;
 *   single-quoted strings (`''` escape), integers, function calls, `['x']` and `?['x']`
 *   (property names are matched case-insensitively, as in Logic Apps; `['x']` on a missing property
 *   is an error, `?['x']` gives null).
 *
 * The façade's limit: a Request trigger must be answered within about 2 minutes (inbound request
 * timeout of multi-tenant Logic Apps), otherwise its caller gets 504 whatever the workflow does
 * later. The definition's HTTP action therefore times out at PT100S; {@link Replay.respondedAfterMs}
 * and {@link Replay.callerWouldTimeOut} let tests check a replay stays within that limit.
 */

/** Thrown for anything in a definition this interpreter does not implement. */
export class UnsupportedWorkflowFeature extends Error {
  override name = 'UnsupportedWorkflowFeature';
}

/** Thrown when an expression fails as the engine would fail it (InvalidTemplate). */
export class InvalidTemplate extends Error {
  override name = 'InvalidTemplate';
}

/** Workflow Definition Language, the parts the façade uses. */
export interface WorkflowDefinition {
  parameters?: Record<string, { type: string; defaultValue?: unknown }>;
  triggers: Record<string, { type: string; kind?: string; inputs: Record<string, unknown> }>;
  actions: Record<string, ActionDefinition>;
  [key: string]: unknown;
}

export interface ActionDefinition {
  type: string;
  kind?: string;
  runAfter?: Record<string, string[]>;
  inputs: Record<string, unknown>;
  limit?: { timeout?: string };
  [key: string]: unknown;
}

/** `infra/logic/workflow.definition.json` (a fresh copy each call, so tests can alter it). */
export function loadWorkflowDefinition(
  path = join(__dirname, '..', '..', 'infra', 'logic', 'workflow.definition.json'),
): WorkflowDefinition {
  return JSON.parse(readFileSync(path, 'utf8')) as WorkflowDefinition;
}

export type ActionStatus = 'Succeeded' | 'Failed' | 'TimedOut' | 'Skipped';

/** One HTTP request the interpreter sent, and what came back. */
export interface Exchange {
  method: string;
  url: string;
  requestHeaders: Record<string, string>;
  /** Milliseconds waited before sending (Retry-After, retry interval); 0 for the first request. */
  waitedMs: number;
  /** Why it was sent: the action's request, a poll of `Location`, or a retry. */
  kind: 'request' | 'poll' | 'retry';
  /** Undefined when the request failed or was aborted. */
  status?: number;
  location?: string | null;
  retryAfter?: string | null;
  error?: string;
}

/** Outputs of an HTTP action (`outputs('X')`). */
export interface HttpOutputs {
  statusCode: number;
  headers: Record<string, string>;
  body: unknown;
}

/** The record of one action (`actions('X')`) plus the exchanges it made. */
export interface ActionResult {
  name: string;
  status: ActionStatus;
  code?: string;
  inputs?: unknown;
  outputs?: HttpOutputs;
  error?: { code: string; message: string };
  startTime?: string;
  endTime?: string;
  exchanges: Exchange[];
}

/** What the workflow answered its caller. */
export interface WorkflowResponse {
  /** The Response action that answered. */
  action: string;
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** The request that fires the Request trigger (`POST <callback URL>/paths/invoke/<relativePath>`). */
export interface TriggerRequest {
  method?: string;
  /** Path after `/paths/invoke/`, e.g. `csv-report`. */
  relativePath: string;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  body?: Buffer | string;
}

export interface ReplayOptions {
  /** Workflow parameter values (e.g. `apiBaseUrl`); the definition's defaults fill the rest. */
  parameters?: Record<string, unknown>;
  /**
   * Headers the action's `authentication` adds to each of its requests (the first and every poll).
   * For `ManagedServiceIdentity` Logic Apps sends `Authorization: Bearer <token for audience>`;
   * in front of the API, App Service authentication would turn it into `x-ms-client-principal*`
   * headers (see {@link easyAuthHeaders}). Default: no headers (the local host is anonymous).
   */
  authenticate?: (auth: { type: string; audience?: unknown }) => Record<string, string>;
  /** Sleep (default: real `setTimeout`). Tests may inject a fake clock with {@link now}. */
  sleep?: (ms: number) => Promise<void>;
  /** Clock in ms (default `Date.now`). */
  now?: () => number;
  /** Run name (`workflow()['run']['name']`); default a fresh Logic Apps style id. */
  runName?: string;
}

/** The outcome of a replay. */
export interface Replay {
  runName: string;
  actions: Record<string, ActionResult>;
  /** Undefined when no Response action ran (the caller would get a 502 from Logic Apps). */
  response?: WorkflowResponse;
  /** Time from the trigger to the response. */
  respondedAfterMs: number;
  /** True when the response came later than the inbound request limit (about 120 s). */
  callerWouldTimeOut: boolean;
}

/** Inbound request limit of a Request trigger (multi-tenant Logic Apps), in ms. */
export const inboundRequestLimitMs = 120_000;

/** Logic Apps' poll interval when a 202 carries no `Retry-After`. */
export const defaultPollIntervalMs = 20_000;

// ---------------------------------------------------------------------------------------------
// Expressions

/** The Logic Apps dialect of the shared syntax, as far as this subset goes. */
const workflowDialect: ExpressionDialect = {
  dotMembers: false,
  keywordLiterals: false,
  invalid: (message) => new InvalidTemplate(message),
  unsupported: (message) => new UnsupportedWorkflowFeature(message),
};

const parse = (src: string): ExpressionNode => parseExpression(src, workflowDialect);

/** What expressions can see. */
export interface EvalContext {
  parameters: (name: string) => unknown;
  triggerOutputs: () => Record<string, unknown>;
  workflow: () => Record<string, unknown>;
  action: (name: string) => ActionResult;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v);

/** Property lookup as Logic Apps does it: exact name first, then case-insensitively. */
function lookup(obj: Record<string, unknown>, key: string): { found: boolean; value: unknown } {
  if (Object.prototype.hasOwnProperty.call(obj, key)) return { found: true, value: obj[key] };
  const k = Object.keys(obj).find((name) => name.toLowerCase() === key.toLowerCase());
  return k === undefined ? { found: false, value: undefined } : { found: true, value: obj[k] };
}

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function requireBoolean(v: unknown, fn: string): boolean {
  if (typeof v !== 'boolean') throw new InvalidTemplate(`${fn}() expects booleans, got ${JSON.stringify(v)}`);
  return v;
}

function requireComparable(a: unknown, b: unknown, fn: string): [number | string, number | string] {
  if (typeof a === 'number' && typeof b === 'number') return [a, b];
  if (typeof a === 'string' && typeof b === 'string') return [a, b];
  throw new InvalidTemplate(`${fn}() expects two numbers or two strings, got ${JSON.stringify(a)} and ${JSON.stringify(b)}`);
}

/** `encodeUriComponent` as the engine does it (.NET `Uri.EscapeDataString`: RFC 3986 unreserved kept). */
function escapeDataString(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function actionRecord(a: ActionResult): Record<string, unknown> {
  return {
    name: a.name,
    status: a.status,
    code: a.code ?? null,
    inputs: a.inputs ?? null,
    outputs: a.outputs ?? null,
    error: a.error ?? null,
    startTime: a.startTime ?? null,
    endTime: a.endTime ?? null,
  };
}

/** The functions the façade uses, and only those. `if` evaluates only the chosen branch. */
const functions: Record<string, (args: (() => unknown)[], ctx: EvalContext) => unknown> = {
  parameters: ([name], ctx) => ctx.parameters(String(name!())),
  triggerOutputs: (args, ctx) => (arity(args, 0, 'triggerOutputs'), ctx.triggerOutputs()),
  triggerBody: (args, ctx) => (arity(args, 0, 'triggerBody'), ctx.triggerOutputs().body ?? null),
  workflow: (args, ctx) => (arity(args, 0, 'workflow'), ctx.workflow()),
  actions: ([name], ctx) => actionRecord(ctx.action(String(name!()))),
  outputs: ([name], ctx) => {
    const a = ctx.action(String(name!()));
    return a.outputs ?? null;
  },
  body: ([name], ctx) => ctx.action(String(name!())).outputs?.body ?? null,
  coalesce: (args) => {
    for (const a of args) {
      const v = a();
      if (v !== null && v !== undefined) return v;
    }
    return null;
  },
  encodeUriComponent: (args) => {
    arity(args, 1, 'encodeUriComponent');
    const v = args[0]!();
    if (typeof v !== 'string') throw new InvalidTemplate(`encodeUriComponent() expects a string, got ${JSON.stringify(v)}`);
    return escapeDataString(v);
  },
  if: (args) => {
    arity(args, 3, 'if');
    return requireBoolean(args[0]!(), 'if') ? args[1]!() : args[2]!();
  },
  equals: (args) => (arity(args, 2, 'equals'), deepEqual(args[0]!(), args[1]!())),
  and: (args) => {
    if (args.length < 2) throw new InvalidTemplate('and() expects at least two arguments');
    return args.map((a) => requireBoolean(a(), 'and')).every(Boolean);
  },
  greaterOrEquals: (args) => {
    arity(args, 2, 'greaterOrEquals');
    const [a, b] = requireComparable(args[0]!(), args[1]!(), 'greaterOrEquals');
    return a >= b;
  },
  less: (args) => {
    arity(args, 2, 'less');
    const [a, b] = requireComparable(args[0]!(), args[1]!(), 'less');
    return a < b;
  },
  int: (args) => {
    arity(args, 1, 'int');
    const v = args[0]!();
    if (typeof v === 'number' && Number.isInteger(v)) return v;
    if (typeof v === 'string' && /^[+-]?\d+$/.test(v.trim())) return Number(v.trim());
    throw new InvalidTemplate(`int() cannot convert ${JSON.stringify(v)}`);
  },
};

function arity(args: unknown[], n: number, fn: string): void {
  if (args.length !== n) throw new InvalidTemplate(`${fn}() expects ${n} argument(s), got ${args.length}`);
}

function evaluateNode(node: ExpressionNode, ctx: EvalContext, src: string): unknown {
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'call': {
      const fn = functions[node.name];
      if (!fn || !Object.prototype.hasOwnProperty.call(functions, node.name)) {
        throw new UnsupportedWorkflowFeature(`Unsupported function '${node.name}' in expression: ${src}`);
      }
      return fn(
        node.args.map((a) => () => evaluateNode(a, ctx, src)),
        ctx,
      );
    }
    case 'member': {
      const target = evaluateNode(node.target, ctx, src);
      const key = evaluateNode(node.key, ctx, src);
      if (typeof key !== 'string') throw new UnsupportedWorkflowFeature(`Non-string index ${JSON.stringify(key)} in expression: ${src}`);
      if (target === null || target === undefined) {
        if (node.optional) return null;
        throw new InvalidTemplate(`Cannot select property '${key}' of null in expression: ${src}`);
      }
      if (!isObject(target)) throw new InvalidTemplate(`Cannot select property '${key}' of a ${typeof target} in expression: ${src}`);
      const { found, value } = lookup(target, key);
      if (!found) {
        if (node.optional) return null;
        throw new InvalidTemplate(`Property '${key}' does not exist in expression: ${src}`);
      }
      return value ?? null;
    }
  }
}

/** String form of a value inside `@{...}`. */
function interpolated(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return String(v);
  return JSON.stringify(v);
}

/** Evaluates one JSON string value of a definition: literal, `@expr` or `@{...}` interpolation. */
function evaluateString(s: string, ctx: EvalContext): unknown {
  if (s.startsWith('@@')) return s.slice(1);
  if (s.startsWith('@') && !s.startsWith('@{')) return evaluateNode(parse(s.slice(1)), ctx, s);
  if (!s.includes('@{')) return s;
  let out = '';
  let i = 0;
  while (i < s.length) {
    const start = s.indexOf('@{', i);
    if (start < 0) {
      out += s.slice(i);
      break;
    }
    out += s.slice(i, start);
    // The expression ends at the first '}' outside a string literal.
    let j = start + 2;
    let inString = false;
    for (; j < s.length; j++) {
      if (s[j] === "'")
        inString = !inString; // '' inside a string toggles twice: still correct
      else if (s[j] === '}' && !inString) break;
    }
    if (j >= s.length) throw new InvalidTemplate(`Unterminated '@{' in: ${s}`);
    const src = s.slice(start + 2, j);
    out += interpolated(evaluateNode(parse(src), ctx, s));
    i = j + 1;
  }
  return out;
}

/** Evaluates a definition value (objects and arrays recursively). */
export function evaluateValue(v: unknown, ctx: EvalContext): unknown {
  if (typeof v === 'string') return evaluateString(v, ctx);
  if (Array.isArray(v)) return v.map((x) => evaluateValue(x, ctx));
  if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, evaluateValue(x, ctx)]));
  return v;
}

/** Evaluates one template string with a minimal context (for tests of the expression subset). */
export function evaluateTemplate(template: string, ctx: Partial<EvalContext> = {}): unknown {
  const missing = (what: string) => () => {
    throw new Error(`No ${what} in this context`);
  };
  return evaluateString(template, {
    parameters: ctx.parameters ?? missing('parameters'),
    triggerOutputs: ctx.triggerOutputs ?? missing('trigger'),
    workflow: ctx.workflow ?? missing('workflow'),
    action: ctx.action ?? missing('actions'),
  });
}

// ---------------------------------------------------------------------------------------------
// Content

/** How Logic Apps holds a body: JSON parsed, text/plain as a string, anything else as an envelope. */
export function toContent(bytes: Buffer, contentType: string | undefined): unknown {
  if (bytes.length === 0) return null;
  const media = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (media === 'application/json' || media.endsWith('+json')) {
    try {
      return JSON.parse(bytes.toString('utf8'));
    } catch {
      return bytes.toString('utf8');
    }
  }
  if (media === 'text/plain') return bytes.toString('utf8');
  return { '$content-type': contentType ?? 'application/octet-stream', $content: bytes.toString('base64') };
}

function isEnvelope(v: unknown): v is { '$content-type': string; $content: string } {
  return isObject(v) && typeof v.$content === 'string' && typeof v['$content-type'] === 'string';
}

/** Bytes and default media type of a body value (inverse of {@link toContent}). */
function fromContent(v: unknown): { bytes?: Buffer; contentType?: string } {
  if (v === null || v === undefined) return {};
  if (Buffer.isBuffer(v)) return { bytes: v, contentType: 'application/octet-stream' };
  if (isEnvelope(v)) return { bytes: Buffer.from(v.$content, 'base64'), contentType: v['$content-type'] };
  if (typeof v === 'string') return { bytes: Buffer.from(v, 'utf8'), contentType: 'text/plain; charset=utf-8' };
  return { bytes: Buffer.from(JSON.stringify(v), 'utf8'), contentType: 'application/json; charset=utf-8' };
}

// ---------------------------------------------------------------------------------------------
// HTTP action

/** ISO 8601 duration (`P[nD]T[nH][nM][nS]`, as Logic Apps limits and intervals use) in ms. */
export function isoDurationMs(d: string): number {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(d);
  if (!m || d === 'P' || d.endsWith('T')) throw new UnsupportedWorkflowFeature(`Unsupported ISO 8601 duration '${d}'`);
  return ((Number(m[1] ?? 0) * 24 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 60_000 + Number(m[4] ?? 0) * 1000;
}

const statusNames: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  204: 'NoContent',
  301: 'MovedPermanently',
  302: 'Found',
  303: 'SeeOther',
  307: 'TemporaryRedirect',
  308: 'PermanentRedirect',
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  408: 'RequestTimeout',
  409: 'Conflict',
  413: 'RequestEntityTooLarge',
  415: 'UnsupportedMediaType',
  422: 'UnprocessableEntity',
  429: 'TooManyRequests',
  500: 'InternalServerError',
  502: 'BadGateway',
  503: 'ServiceUnavailable',
  504: 'GatewayTimeout',
};

/** The evaluated inputs of an HTTP action. */
export interface HttpActionInputs {
  method: string;
  uri: string;
  headers?: Record<string, unknown>;
  body?: unknown;
  authentication?: { type: string; audience?: unknown };
  retryPolicy?: { type: string; count?: number; interval?: string };
}

const httpInputKeys = new Set(['method', 'uri', 'headers', 'body', 'authentication', 'retryPolicy']);

interface RetryPlan {
  count: number;
  intervalMs: number;
}

function retryPlan(p: HttpActionInputs['retryPolicy']): RetryPlan {
  if (!p) throw new UnsupportedWorkflowFeature('The default retry policy (exponential, 4 retries) is not implemented: set retryPolicy');
  if (p.type === 'none') return { count: 0, intervalMs: 0 };
  if (p.type === 'fixed') {
    const extra = Object.keys(p).filter((k) => !['type', 'count', 'interval'].includes(k));
    if (extra.length) throw new UnsupportedWorkflowFeature(`retryPolicy keys ${extra.join(', ')}`);
    if (!Number.isInteger(p.count) || p.count! < 1 || p.count! > 90)
      throw new InvalidTemplate(`retryPolicy.count must be 1-90, got ${p.count}`);
    return { count: p.count!, intervalMs: isoDurationMs(p.interval ?? '') };
  }
  throw new UnsupportedWorkflowFeature(`retryPolicy type '${p.type}'`);
}

const retryable = (status: number) => status === 408 || status === 429 || status >= 500;

/**
 * Runs one HTTP action with the asynchronous pattern on, as Logic Apps does (see the module
 * comment). `inputs` are already evaluated. Never throws for HTTP outcomes: the result's `status`
 * says Succeeded, Failed or TimedOut.
 */
export async function runHttpAction(
  name: string,
  inputs: HttpActionInputs,
  options: {
    timeout?: string;
    authenticate?: ReplayOptions['authenticate'];
    sleep?: ReplayOptions['sleep'];
    now?: ReplayOptions['now'];
  } = {},
): Promise<ActionResult> {
  const unknown = Object.keys(inputs).filter((k) => !httpInputKeys.has(k));
  if (unknown.length) throw new UnsupportedWorkflowFeature(`HTTP action inputs not implemented: ${unknown.join(', ')}`);
  if (typeof inputs.uri !== 'string' || !/^https?:\/\//.test(inputs.uri))
    throw new InvalidTemplate(`HTTP action uri must be absolute: ${String(inputs.uri)}`);
  const method = String(inputs.method).toUpperCase();
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const retry = retryPlan(inputs.retryPolicy);
  const start = now();
  const deadline = options.timeout ? start + isoDurationMs(options.timeout) : Infinity;
  const exchanges: Exchange[] = [];
  const result = (r: Omit<ActionResult, 'name' | 'exchanges' | 'inputs' | 'startTime' | 'endTime'>): ActionResult => ({
    name,
    inputs,
    startTime: new Date(start).toISOString(),
    endTime: new Date(now()).toISOString(),
    exchanges,
    ...r,
  });
  const timedOut = () =>
    result({
      status: 'TimedOut',
      code: 'ActionTimedOut',
      error: { code: 'ActionTimedOut', message: `The action '${name}' did not complete within ${options.timeout}.` },
    });

  let authHeaders: Record<string, string> = {};
  if (inputs.authentication) {
    const extra = Object.keys(inputs.authentication).filter((k) => !['type', 'audience'].includes(k));
    if (inputs.authentication.type !== 'ManagedServiceIdentity' || extra.length) {
      throw new UnsupportedWorkflowFeature(`authentication ${JSON.stringify(inputs.authentication)}`);
    }
    authHeaders = options.authenticate?.(inputs.authentication) ?? {};
  }
  const baseHeaders: Record<string, string> = {};
  for (const [k, v] of Object.entries(inputs.headers ?? {})) {
    if (typeof v !== 'string') throw new InvalidTemplate(`Header ${k} must be a string, got ${JSON.stringify(v)}`);
    baseHeaders[k] = v;
  }
  const content = fromContent(inputs.body);
  const hasHeader = (h: Record<string, string>, n: string) => Object.keys(h).some((k) => k.toLowerCase() === n.toLowerCase());
  if (content.bytes && !hasHeader(baseHeaders, 'content-type') && content.contentType) baseHeaders['Content-Type'] = content.contentType;

  /** Waits, unless the deadline comes first; false when it did. */
  const wait = async (ms: number): Promise<boolean> => {
    const left = deadline - now();
    if (ms >= left) {
      if (Number.isFinite(left) && left > 0) await sleep(left);
      return false;
    }
    if (ms > 0) await sleep(ms);
    return true;
  };

  /** Sends one request with the retry policy; undefined when the deadline passed. */
  type Answer = { status: number; headers: Record<string, string>; bytes: Buffer; url: string } | { error: string } | undefined;
  const send = async (
    req: { method: string; url: string; headers: Record<string, string>; body?: Buffer },
    kind: 'request' | 'poll',
    waitedMs: number,
  ): Promise<Answer> => {
    let attempt = 0;
    let waited = waitedMs;
    for (;;) {
      const ex: Exchange = {
        method: req.method,
        url: req.url,
        requestHeaders: req.headers,
        waitedMs: waited,
        kind: attempt === 0 ? kind : 'retry',
      };
      exchanges.push(ex);
      const left = deadline - now();
      let res: Response | undefined;
      let bytes: Buffer | undefined;
      try {
        res = await fetch(req.url, {
          method: req.method,
          headers: req.headers,
          ...(req.body ? { body: req.body } : {}),
          redirect: 'manual',
          ...(Number.isFinite(left) ? { signal: AbortSignal.timeout(Math.max(1, left)) } : {}),
        });
        bytes = Buffer.from(await res.arrayBuffer());
      } catch (err) {
        ex.error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
        if ((err as Error).name === 'TimeoutError' || now() >= deadline) return undefined;
        res = undefined;
      }
      if (res) {
        ex.status = res.status;
        ex.location = res.headers.get('location');
        ex.retryAfter = res.headers.get('retry-after');
      }
      if ((res === undefined || retryable(res.status)) && attempt < retry.count) {
        attempt++;
        waited = retry.intervalMs;
        if (!(await wait(retry.intervalMs))) return undefined;
        continue;
      }
      if (!res) return { error: ex.error ?? 'request failed' };
      const headers: Record<string, string> = {};
      res.headers.forEach((v, k) => (headers[k] = v));
      return { status: res.status, headers, bytes: bytes!, url: req.url };
    }
  };

  let answer = await send(
    { method, url: inputs.uri, headers: { ...baseHeaders, ...authHeaders }, ...(content.bytes ? { body: content.bytes } : {}) },
    'request',
    0,
  );
  for (;;) {
    if (answer === undefined) return timedOut();
    if ('error' in answer) return result({ status: 'Failed', error: { code: 'ConnectionFailure', message: answer.error } });
    const location = answer.headers['location'];
    if (answer.status !== 202 || !location) break;
    const header = answer.headers['retry-after'];
    const waitMs = header !== undefined && /^\d+$/.test(header.trim()) ? Number(header.trim()) * 1000 : defaultPollIntervalMs;
    if (!(await wait(waitMs))) return timedOut();
    answer = await send({ method: 'GET', url: new URL(location, answer.url).toString(), headers: { ...authHeaders } }, 'poll', waitMs);
  }
  const outputs: HttpOutputs = {
    statusCode: answer.status,
    headers: answer.headers,
    body: toContent(answer.bytes, answer.headers['content-type']),
  };
  const code = statusNames[answer.status] ?? String(answer.status);
  if (answer.status >= 200 && answer.status < 300) return result({ status: 'Succeeded', code, outputs });
  // 3xx: not followed by the asynchronous pattern; the action fails (MicrosoftDocs/azure-docs#40772).
  return result({ status: 'Failed', code, outputs });
}

// ---------------------------------------------------------------------------------------------
// Workflow

const actionKeys = new Set(['type', 'kind', 'runAfter', 'inputs', 'limit']);
const triggerKeys = new Set(['type', 'kind', 'inputs']);

/** A Logic Apps style run id (`08584…CU…`). */
function newRunName(): string {
  let digits = '08584';
  while (digits.length < 20) digits += String(randomInt(10));
  return `${digits}CU${String(randomInt(100)).padStart(2, '0')}`;
}

function matchRelativePath(template: string, path: string): Record<string, string> {
  const t = template.split('/');
  const p = path.split('/');
  if (t.length !== p.length) throw new Error(`Trigger path '${path}' does not match '${template}' (the caller would get 404)`);
  const params: Record<string, string> = {};
  t.forEach((seg, i) => {
    const m = /^\{(\w+)\}$/.exec(seg);
    if (m) params[m[1]!] = decodeURIComponent(p[i]!);
    else if (seg !== p[i]) throw new Error(`Trigger path '${path}' does not match '${template}' (the caller would get 404)`);
  });
  return params;
}

/** Refuses any action shape this interpreter does not implement. */
function validateAction(name: string, def: ActionDefinition): void {
  const extra = Object.keys(def).filter((k) => !actionKeys.has(k));
  if (extra.length) throw new UnsupportedWorkflowFeature(`Action ${name}: keys not implemented: ${extra.join(', ')}`);
  for (const statuses of Object.values(def.runAfter ?? {})) {
    for (const s of statuses)
      if (!['Succeeded', 'Failed', 'TimedOut', 'Skipped'].includes(s)) throw new InvalidTemplate(`Action ${name}: runAfter status ${s}`);
  }
  if (def.type === 'Http') {
    if (def.kind !== undefined) throw new UnsupportedWorkflowFeature(`Http action ${name} of kind ${String(def.kind)}`);
    if (def.limit && Object.keys(def.limit).some((k) => k !== 'timeout'))
      throw new UnsupportedWorkflowFeature(`Action ${name}: limit keys other than timeout`);
    const unknown = Object.keys(def.inputs).filter((k) => !httpInputKeys.has(k));
    if (unknown.length) throw new UnsupportedWorkflowFeature(`HTTP action ${name}: inputs not implemented: ${unknown.join(', ')}`);
  } else if (def.type === 'Response') {
    if (def.kind !== 'Http') throw new UnsupportedWorkflowFeature(`Response action ${name} of kind ${String(def.kind)}`);
    if (def.limit) throw new UnsupportedWorkflowFeature(`Response action ${name}: limit`);
    const extraInputs = Object.keys(def.inputs).filter((k) => !['statusCode', 'headers', 'body'].includes(k));
    if (extraInputs.length) throw new UnsupportedWorkflowFeature(`Response action ${name}: inputs ${extraInputs.join(', ')}`);
  } else {
    throw new UnsupportedWorkflowFeature(`Action ${name}: type ${def.type} is not implemented`);
  }
}

/** Actions in an order where each comes after everything in its `runAfter`. */
function orderActions(actions: Record<string, ActionDefinition>): string[] {
  const done: string[] = [];
  const visiting = new Set<string>();
  const visit = (n: string) => {
    if (done.includes(n)) return;
    if (visiting.has(n)) throw new InvalidTemplate(`runAfter cycle at ${n}`);
    const a = actions[n];
    if (!a) throw new InvalidTemplate(`runAfter names unknown action ${n}`);
    visiting.add(n);
    for (const dep of Object.keys(a.runAfter ?? {})) visit(dep);
    visiting.delete(n);
    done.push(n);
  };
  Object.keys(actions).forEach(visit);
  return done;
}

/**
 * Replays the workflow for one trigger request: runs the actions in `runAfter` order and returns
 * what the Response action answered (status, headers, body bytes), with each action's record and
 * the HTTP exchanges.
 */
export async function replayWorkflow(
  definition: WorkflowDefinition,
  trigger: TriggerRequest,
  options: ReplayOptions = {},
): Promise<Replay> {
  const now = options.now ?? Date.now;
  const startedAt = now();
  const runName = options.runName ?? newRunName();

  const triggerEntries = Object.entries(definition.triggers);
  if (triggerEntries.length !== 1) throw new UnsupportedWorkflowFeature('Exactly one trigger is supported');
  const [triggerName, triggerDef] = triggerEntries[0]!;
  const extraTriggerKeys = Object.keys(triggerDef).filter((k) => !triggerKeys.has(k));
  if (triggerDef.type !== 'Request' || triggerDef.kind !== 'Http' || extraTriggerKeys.length) {
    throw new UnsupportedWorkflowFeature(`Trigger ${triggerName}: only a Request/Http trigger is supported`);
  }
  const ti = triggerDef.inputs;
  const extraTriggerInputs = Object.keys(ti).filter((k) => !['method', 'relativePath'].includes(k));
  if (extraTriggerInputs.length) throw new UnsupportedWorkflowFeature(`Trigger inputs ${extraTriggerInputs.join(', ')}`);
  const method = (trigger.method ?? 'POST').toUpperCase();
  if (typeof ti.method === 'string' && ti.method.toUpperCase() !== method)
    throw new Error(`Trigger accepts ${ti.method}, not ${method} (the caller would get 405)`);
  const relativePathParameters = typeof ti.relativePath === 'string' ? matchRelativePath(ti.relativePath, trigger.relativePath) : {};
  const triggerHeaders = { ...(trigger.headers ?? {}) };
  const contentTypeHeader = Object.entries(triggerHeaders).find(([k]) => k.toLowerCase() === 'content-type')?.[1];
  const bodyBytes =
    trigger.body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(trigger.body) ? trigger.body : Buffer.from(trigger.body, 'utf8');
  const triggerOutputs = {
    headers: triggerHeaders,
    queries: { ...(trigger.query ?? {}) },
    relativePathParameters,
    body: toContent(bodyBytes, contentTypeHeader),
  };

  const declared = definition.parameters ?? {};
  const results: Record<string, ActionResult> = {};
  const ctx: EvalContext = {
    parameters: (name) => {
      const decl = declared[name];
      if (!decl) throw new InvalidTemplate(`The workflow parameter '${name}' is not declared`);
      if (options.parameters && Object.prototype.hasOwnProperty.call(options.parameters, name)) return options.parameters[name];
      return decl.defaultValue ?? null;
    },
    triggerOutputs: () => triggerOutputs,
    workflow: () => ({
      id: '/workflows/replay',
      name: 'replay',
      type: 'Microsoft.Logic/workflows',
      run: { id: `/workflows/replay/runs/${runName}`, name: runName, type: 'Microsoft.Logic/workflows/runs' },
    }),
    action: (name) => {
      const r = results[name];
      if (!r) throw new InvalidTemplate(`The action '${name}' has not run (or does not exist)`);
      return r;
    },
  };

  // Everything is checked before anything runs: an unsupported feature never leaves a half-run replay.
  const order = orderActions(definition.actions);
  for (const name of order) validateAction(name, definition.actions[name]!);

  let response: WorkflowResponse | undefined;
  let respondedAt = startedAt;
  for (const name of order) {
    const def = definition.actions[name]!;
    const runs = Object.entries(def.runAfter ?? {}).every(([dep, statuses]) => statuses.includes(results[dep]!.status));
    if (!runs) {
      results[name] = { name, status: 'Skipped', code: 'ActionSkipped', exchanges: [] };
      continue;
    }
    if (def.type === 'Http') {
      const inputs = evaluateValue(def.inputs, ctx) as HttpActionInputs;
      results[name] = await runHttpAction(name, inputs, {
        ...(def.limit?.timeout ? { timeout: def.limit.timeout } : {}),
        ...(options.authenticate ? { authenticate: options.authenticate } : {}),
        ...(options.sleep ? { sleep: options.sleep } : {}),
        now,
      });
    } else if (def.type === 'Response') {
      if (response) throw new InvalidTemplate(`Action ${name}: the trigger was already answered by ${response.action}`);
      const inputs = evaluateValue(def.inputs, ctx) as { statusCode: unknown; headers?: Record<string, unknown>; body?: unknown };
      const status =
        typeof inputs.statusCode === 'string' && /^\d+$/.test(inputs.statusCode) ? Number(inputs.statusCode) : inputs.statusCode;
      if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) {
        throw new InvalidTemplate(`Action ${name}: statusCode ${JSON.stringify(inputs.statusCode)} is not an HTTP status`);
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(inputs.headers ?? {})) headers[k] = interpolated(v);
      const c = fromContent(inputs.body);
      if (c.contentType && !Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) headers['Content-Type'] = c.contentType;
      response = { action: name, status, headers, body: c.bytes ?? Buffer.alloc(0) };
      respondedAt = now();
      results[name] = { name, status: 'Succeeded', code: statusNames[status] ?? String(status), inputs, exchanges: [] };
    }
  }
  const respondedAfterMs = (response ? respondedAt : now()) - startedAt;
  return {
    runName,
    actions: results,
    ...(response ? { response } : {}),
    respondedAfterMs,
    callerWouldTimeOut: respondedAfterMs > inboundRequestLimitMs,
  };
}

/**
 * Headers App Service authentication (Easy Auth) puts on a request it has authenticated, so the
 * local host sees an authenticated caller (`request.user`): what the façade's managed identity
 * would look like to the API in Azure.
 */
export function easyAuthHeaders(principalId: string, name = 'logic-app-facade'): Record<string, string> {
  const principal = { auth_typ: 'aad', name_typ: 'name', role_typ: 'roles', claims: [{ typ: 'oid', val: principalId }] };
  return {
    'x-ms-client-principal': Buffer.from(JSON.stringify(principal)).toString('base64'),
    'x-ms-client-principal-id': principalId,
    'x-ms-client-principal-name': name,
    'x-ms-client-principal-idp': 'aad',
  };
}

/** The Response body as JSON. */
export function responseJson(r: WorkflowResponse): unknown {
  return JSON.parse(r.body.toString('utf8'));
}

/** Content-Type of the Response (header names are case-insensitive). */
export function responseHeader(r: WorkflowResponse, name: string): string | undefined {
  return Object.entries(r.headers).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
}
