/**
 * A small evaluator for the ARM template expressions `bicep build` emits ("[format('{0}-poison',
 * parameters('jobsQueueName'))]"), so tests can check what a compiled template would deploy for given
 * parameter values instead of matching Bicep source text.
 *
 * Covered: string/number/boolean literals, property access (`.name`, `['name']`, `[0]`), and the
 * functions listed in {@link functions} with the semantics of
 * https://learn.microsoft.com/azure/azure-resource-manager/templates/template-functions
 * (lambda functions: map, filter, toObject, items). `subscription()` and `uniqueString()` give
 * placeholders (`{subscriptionId}`, `uniqueString(a,b)`): equal inputs give equal strings, which is what
 * name checks need, but not the values Azure computes. Functions that read deployed state
 * (reference(), list*(), tenant(), environment(), ...) are not evaluated: an expression using them
 * throws {@link UnevaluableExpression}, so a test never compares against a guess.
 */

import { type ExpressionDialect, type ExpressionNode, parseExpression } from './expressionSyntax';

/** Thrown for functions that only Azure can evaluate (reference(), uniqueString(), ...). */
export class UnevaluableExpression extends Error {}

type Value = unknown;
type Node = ExpressionNode;

/** Scope of one template: its parameter values (defaults filled in) and variables. */
export interface ArmScope {
  parameters: Record<string, Value>;
  variables: Record<string, Value>;
  /** Values of lambda variables, innermost last. */
  lambdas?: Record<string, Value>;
}

/** True for a string that ARM treats as an expression: `[...]`, but not the `[[` escape. */
export function isExpression(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith('[') && value.endsWith(']') && !value.startsWith('[[');
}

/** ARM's dialect: `.name` members and keyword literals; every error a plain `Error`. */
const arm: ExpressionDialect = {
  dotMembers: true,
  keywordLiterals: true,
  invalid: (message) => new Error(message),
  unsupported: (message) => new Error(message),
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A lambda as a value: called by map/filter/toObject. */
type Lambda = { params: string[]; body: Node; scope: ArmScope };

function callLambda(fn: Value, args: Value[]): Value {
  const lambda = fn as Lambda;
  if (!lambda || !Array.isArray(lambda.params)) throw new Error('expected a lambda');
  const lambdas = { ...(lambda.scope.lambdas ?? {}) };
  lambda.params.forEach((p, k) => (lambdas[p] = args[k]));
  return evalNode(lambda.body, { ...lambda.scope, lambdas });
}

function unionShallow(values: Value[]): Value {
  if (values.every(Array.isArray))
    return [...new Set((values as unknown[][]).flat().map((v) => JSON.stringify(v)))].map((s) => JSON.parse(s) as unknown);
  // ARM merges nested objects recursively.
  const merge = (a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> => {
    const out: Record<string, unknown> = { ...a };
    for (const [k, v] of Object.entries(b)) out[k] = isObject(out[k]) && isObject(v) ? merge(out[k], v) : v;
    return out;
  };
  return (values as Record<string, unknown>[]).reduce((acc, v) => merge(acc, v), {});
}

/** The functions this evaluator knows, ARM semantics. */
const functions: Record<string, (args: Node[], scope: ArmScope) => Value> = {
  parameters: ([name], s) => {
    const key = String(evalNode(name!, s));
    if (!(key in s.parameters)) throw new Error(`no value for parameter '${key}'`);
    return s.parameters[key];
  },
  variables: ([name], s) => {
    const key = String(evalNode(name!, s));
    if (!(key in s.variables)) throw new Error(`no variable '${key}'`);
    return evaluate(s.variables[key], s);
  },
  lambda: (args, s) => ({
    params: args.slice(0, -1).map((a) => String(evalNode(a, s))),
    body: args[args.length - 1]!,
    scope: s,
  }),
  lambdaVariables: ([name], s) => {
    const key = String(evalNode(name!, s));
    if (!s.lambdas || !(key in s.lambdas)) throw new Error(`no lambda variable '${key}'`);
    return s.lambdas[key];
  },
  format: ([fmt, ...rest], s) => {
    const values = rest.map((a) => evalNode(a, s));
    return String(evalNode(fmt!, s)).replace(/\{(\d+)\}/g, (_, k: string) => String(values[Number(k)]));
  },
  string: ([v], s) => {
    const x = evalNode(v!, s);
    return typeof x === 'string' ? x : JSON.stringify(x);
  },
  concat: (args, s) => {
    const values = args.map((a) => evalNode(a, s));
    return values.every(Array.isArray) ? (values as unknown[][]).flat() : values.map(String).join('');
  },
  toLower: ([v], s) => String(evalNode(v!, s)).toLowerCase(),
  trim: ([v], s) => String(evalNode(v!, s)).trim(),
  split: ([v, sep], s) => String(evalNode(v!, s)).split(String(evalNode(sep!, s))),
  empty: ([v], s) => {
    const x = evalNode(v!, s);
    return x === null || x === '' || (Array.isArray(x) && x.length === 0) || (isObject(x) && Object.keys(x).length === 0);
  },
  not: ([v], s) => !evalNode(v!, s),
  equals: ([a, b], s) => JSON.stringify(evalNode(a!, s)) === JSON.stringify(evalNode(b!, s)),
  and: (args, s) => args.every((a) => evalNode(a, s) === true),
  or: (args, s) => args.some((a) => evalNode(a, s) === true),
  if: ([c, a, b], s) => (evalNode(c!, s) ? evalNode(a!, s) : evalNode(b!, s)),
  createArray: (args, s) => args.map((a) => evalNode(a, s)),
  createObject: (args, s) => {
    const out: Record<string, unknown> = {};
    for (let k = 0; k < args.length; k += 2) out[String(evalNode(args[k]!, s))] = evalNode(args[k + 1]!, s);
    return out;
  },
  union: (args, s) => unionShallow(args.map((a) => evalNode(a, s))),
  items: ([v], s) =>
    Object.entries(evalNode(v!, s) as Record<string, unknown>)
      .sort(([a], [b]) => a.toLowerCase().localeCompare(b.toLowerCase()))
      .map(([key, value]) => ({ key, value })),
  map: ([arr, fn], s) => (evalNode(arr!, s) as unknown[]).map((x, k) => callLambda(evalNode(fn!, s), [x, k])),
  filter: ([arr, fn], s) => (evalNode(arr!, s) as unknown[]).filter((x, k) => callLambda(evalNode(fn!, s), [x, k]) === true),
  toObject: ([arr, keyFn, valueFn], s) => {
    const out: Record<string, unknown> = {};
    for (const x of evalNode(arr!, s) as unknown[]) {
      out[String(callLambda(evalNode(keyFn!, s), [x]))] = valueFn ? callLambda(evalNode(valueFn, s), [x]) : x;
    }
    return out;
  },
  subscription: () => ({ id: '/subscriptions/{subscriptionId}', subscriptionId: '{subscriptionId}' }),
  uniqueString: (args, s) => `uniqueString(${args.map((a) => String(evalNode(a, s))).join(',')})`,
  resourceId: (args, s) => {
    const [type, ...names] = args.map((a) => String(evalNode(a, s)));
    return `/subscriptions/{subscriptionId}/resourceGroups/{resourceGroup}/providers/${type}/${names.join('/')}`;
  },
  subscriptionResourceId: (args, s) => {
    const [type, ...names] = args.map((a) => String(evalNode(a, s)));
    return `/subscriptions/{subscriptionId}/providers/${type}/${names.join('/')}`;
  },
};

function evalNode(node: Node, scope: ArmScope): Value {
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'member': {
      const target = evalNode(node.target, scope) as Record<string | number, unknown> | undefined;
      const key = evalNode(node.key, scope) as string | number;
      if (target === null || target === undefined) {
        if (node.optional) return null;
        throw new Error(`member '${String(key)}' of ${String(target)}`);
      }
      const found = Object.keys(target).find((k) => k.toLowerCase() === String(key).toLowerCase());
      return found === undefined ? undefined : target[found];
    }
    case 'call': {
      const fn = Object.entries(functions).find(([name]) => name.toLowerCase() === node.name.toLowerCase())?.[1];
      if (!fn) throw new UnevaluableExpression(`${node.name}() is evaluated by Azure, not here`);
      return fn(node.args, scope);
    }
  }
}

/**
 * Evaluates a template value: expression strings are evaluated, objects and arrays element by
 * element, anything else is returned as is. Throws {@link UnevaluableExpression} for Azure-only
 * functions and `Error` for unknown parameters/variables or malformed expressions.
 */
export function evaluate(value: unknown, scope: ArmScope): Value {
  if (isExpression(value)) return evalNode(parseExpression(value.slice(1, -1), arm), scope);
  if (typeof value === 'string' && value.startsWith('[[')) return value.slice(1);
  if (Array.isArray(value)) return value.map((v) => evaluate(v, scope));
  // ARM evaluates expressions in property names too.
  if (isObject(value))
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [isExpression(k) ? String(evaluate(k, scope)) : k, evaluate(v, scope)]),
    );
  return value;
}

/** An ARM template as `bicep build` writes it (resources as an array or, with symbolic names, an object). */
export interface ArmTemplate {
  parameters?: Record<string, { type: string; defaultValue?: unknown; allowedValues?: unknown[] }>;
  variables?: Record<string, unknown>;
  resources: ArmResource[] | Record<string, ArmResource>;
  outputs?: Record<string, { type: string; value: unknown }>;
}

export interface ArmResource {
  type: string;
  name: string;
  condition?: unknown;
  scope?: unknown;
  properties?: Record<string, any>;
  [key: string]: unknown;
}

/** The resources of a template as an array. */
export function resourcesOf(template: ArmTemplate): ArmResource[] {
  return Array.isArray(template.resources) ? template.resources : Object.values(template.resources);
}

/**
 * The scope of a template for given parameter values: each parameter takes the given value or its
 * default (`defaultValue` may itself be an expression over earlier parameters).
 */
export function scopeOf(template: ArmTemplate, values: Record<string, unknown> = {}): ArmScope {
  const scope: ArmScope = { parameters: {}, variables: template.variables ?? {} };
  for (const [name, p] of Object.entries(template.parameters ?? {})) {
    if (name in values) scope.parameters[name] = values[name];
    else if ('defaultValue' in p) scope.parameters[name] = evaluate(p.defaultValue, scope);
  }
  return scope;
}
