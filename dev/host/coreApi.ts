import { randomUUID } from 'node:crypto';
import Module from 'node:module';

/**
 * The local host's implementation of `@azure/functions-core`, the module the Azure Functions Node.js
 * worker provides at run time (azure-functions-nodejs-worker `types-core/index.d.ts`).
 * `@azure/functions` requires it lazily and, when present, hands it every registration:
 * `setProgrammingModel`, `registerFunction(metadata, handler)`, `registerHook`, `log`. Only the shapes
 * the library uses are typed here.
 */

/** RPC typed data (azure-functions-language-worker-protobuf `TypedData`). */
export interface RpcTypedData {
  string?: string | null;
  json?: string | null;
  bytes?: Uint8Array | null;
  http?: RpcHttpData | null;
  int?: number | null;
  double?: number | null;
}

/** RPC HTTP data (protobuf `RpcHttp`). */
export interface RpcHttpData {
  method?: string | null;
  url?: string | null;
  headers?: Record<string, string> | null;
  body?: RpcTypedData | null;
  params?: Record<string, string> | null;
  statusCode?: string | null;
  query?: Record<string, string> | null;
  cookies?: unknown[] | null;
}

export interface RpcBindingInfo {
  type?: string;
  direction?: 'in' | 'out' | 'inout';
  [property: string]: unknown;
}

/** What `registerFunction` receives (a slimmed `RpcFunctionMetadata`). */
export interface FunctionMetadata {
  name: string;
  functionId?: string;
  bindings: Record<string, RpcBindingInfo>;
  retryOptions?: unknown;
}

export type FunctionCallback = (...args: unknown[]) => unknown;

export interface RpcInvocationRequest {
  invocationId: string;
  functionId: string;
  inputData: { name: string; data: RpcTypedData }[];
  triggerMetadata: Record<string, RpcTypedData>;
  traceContext?: { traceParent?: string; traceState?: string; attributes?: Record<string, string> };
  retryContext?: unknown;
}

export interface RpcInvocationResponse {
  invocationId: string;
  outputData?: { name: string; data: RpcTypedData | null | undefined }[];
  returnValue?: RpcTypedData | null;
}

export type RpcLogLevel = 'trace' | 'debug' | 'information' | 'warning' | 'error' | 'critical' | 'none';

/** The invocation context the worker hands the programming model (`CoreInvocationContext`). */
export interface CoreInvocationContext {
  invocationId: string;
  request: RpcInvocationRequest;
  metadata: FunctionMetadata;
  state?: 'preInvocationHooks' | 'postInvocationHooks' | 'invocation';
  log(level: RpcLogLevel, category: 'user' | 'system' | 'customMetric', message: string): void;
}

export interface InvocationModel {
  getArguments(): Promise<{ context: unknown; inputs: unknown[] }>;
  invokeFunction(context: unknown, inputs: unknown[], handler: FunctionCallback): Promise<unknown>;
  getResponse(context: unknown, result: unknown): Promise<RpcInvocationResponse>;
}

export interface ProgrammingModel {
  name: string;
  version: string;
  getInvocationModel(coreCtx: CoreInvocationContext): InvocationModel;
  getCapabilities(capabilities: Record<string, string>): Promise<Record<string, string>>;
}

export type HookName = 'appStart' | 'appTerminate' | 'preInvocation' | 'postInvocation';
type HookCallback = (context: Record<string, unknown>) => void | Promise<void>;

/** One function the app registered. */
export interface Registration {
  metadata: FunctionMetadata;
  handler: FunctionCallback;
  /** The trigger binding's name and info. */
  triggerName: string;
  trigger: RpcBindingInfo;
}

/** `Disposable` as the worker exports it. */
export class Disposable {
  static from(...items: { dispose(): unknown }[]): Disposable {
    return new Disposable(() => items.forEach((i) => i.dispose()));
  }
  #callOnDispose?: () => unknown;
  constructor(callOnDispose: () => unknown) {
    this.#callOnDispose = callOnDispose;
  }
  dispose(): void {
    this.#callOnDispose?.();
    this.#callOnDispose = undefined;
  }
}

export type LogSink = (level: RpcLogLevel, category: string, message: string, functionName?: string) => void;

/** The state behind the core module: registrations, the programming model, hooks and the log sink. */
export class CoreApi {
  readonly registrations = new Map<string, Registration>();
  readonly hooks: Record<HookName, HookCallback[]> = { appStart: [], appTerminate: [], preInvocation: [], postInvocation: [] };
  readonly appHookData: Record<string, unknown> = {};
  programmingModel?: ProgrammingModel;
  /** Set once the app has loaded: registrations after that are refused, as the worker does. */
  locked = false;

  constructor(public logSink: LogSink) {}

  /** The object `require('@azure/functions-core')` returns. */
  module() {
    return {
      version: 'local-host',
      hostVersion: '4.0.0-local',
      Disposable,
      registerFunction: (metadata: FunctionMetadata, handler: FunctionCallback) => this.registerFunction(metadata, handler),
      registerHook: (name: HookName, callback: HookCallback) => this.registerHook(name, callback),
      setProgrammingModel: (model: ProgrammingModel) => {
        this.programmingModel = model;
      },
      getProgrammingModel: () => this.programmingModel,
      log: (level: RpcLogLevel, category: string, message: string) => this.logSink(level, category, message),
    };
  }

  registerFunction(metadata: FunctionMetadata, handler: FunctionCallback): Disposable {
    if (this.locked) throw new Error('A function can only be registered during app startup.');
    if (this.registrations.has(metadata.name)) throw new Error(`A function with the name "${metadata.name}" has already been registered.`);
    const entry = Object.entries(metadata.bindings).find(([, b]) => /trigger$/i.test(b.type ?? ''));
    if (!entry) throw new Error(`Function "${metadata.name}" has no trigger binding.`);
    const [triggerName, trigger] = entry;
    this.registrations.set(metadata.name, {
      metadata: { ...metadata, functionId: metadata.functionId ?? metadata.name },
      handler,
      triggerName,
      trigger,
    });
    return new Disposable(() => this.registrations.delete(metadata.name));
  }

  registerHook(name: HookName, callback: HookCallback): Disposable {
    const list = this.hooks[name];
    if (!list) throw new Error(`Unknown hook "${String(name)}"`);
    list.push(callback);
    return new Disposable(() => list.splice(list.indexOf(callback) >>> 0, 1));
  }

  /** Runs the hooks of `name` in registration order, awaiting each. */
  async runHooks(name: HookName, context: Record<string, unknown>): Promise<void> {
    for (const hook of this.hooks[name]) await hook(context);
  }

  /**
   * Invokes a registered function through the programming model, as the worker does:
   * `getInvocationModel` → `getArguments` → preInvocation hooks → `invokeFunction` → postInvocation
   * hooks → `getResponse`.
   * @throws whatever the function (or a hook) throws
   */
  async invokeWithId(
    reg: Registration,
    invocationId: string,
    inputData: RpcInvocationRequest['inputData'],
    triggerMetadata: Record<string, RpcTypedData>,
    traceParent?: string,
  ): Promise<RpcInvocationResponse> {
    const model = this.programmingModel;
    if (!model) throw new Error('No programming model was registered (is @azure/functions loaded?)');
    const coreCtx: CoreInvocationContext = {
      invocationId,
      request: {
        invocationId,
        functionId: reg.metadata.functionId ?? reg.metadata.name,
        inputData,
        triggerMetadata,
        traceContext: { traceParent: traceParent ?? newTraceParent(), traceState: '', attributes: {} },
      },
      metadata: reg.metadata,
      state: 'preInvocationHooks',
      log: (level, category, message) => this.logSink(level, category, message, reg.metadata.name),
    };
    const invocation = model.getInvocationModel(coreCtx);
    const { context, inputs } = await invocation.getArguments();
    const hookData: Record<string, unknown> = {};
    const pre = { hookData, appHookData: this.appHookData, invocationContext: context, inputs, functionCallback: reg.handler };
    await this.runHooks('preInvocation', pre);
    coreCtx.state = 'invocation';
    let result: unknown;
    let error: unknown;
    try {
      result = await invocation.invokeFunction(context, pre.inputs, pre.functionCallback);
    } catch (err) {
      error = err;
    }
    coreCtx.state = 'postInvocationHooks';
    const post = { hookData, appHookData: this.appHookData, invocationContext: context, inputs: pre.inputs, result, error };
    await this.runHooks('postInvocation', post);
    // The handler's own error, rethrown unchanged (the Node worker does the same), whatever its type.
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- rethrows what the app threw
    if (post.error) throw post.error;
    return invocation.getResponse(context, post.result);
  }
}

/** A new W3C `traceparent` (version 00, random trace and span ids, sampled). */
export function newTraceParent(): string {
  const hex = (n: number) => randomUUID().replace(/-/g, '').slice(0, n);
  return `00-${hex(32)}-${hex(16)}-01`;
}

type ModuleWithLoad = typeof Module & { _load(request: string, parent: unknown, isMain: boolean): unknown };

/**
 * Makes `require('@azure/functions-core')` return `api`'s module in this process, the way the worker
 * intercepts module loading. Call before the app's files are loaded.
 */
export function installCoreModule(api: CoreApi): void {
  const m = Module as ModuleWithLoad;
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called below with `.call(this, …)`, its own receiver
  const original = m._load;
  const coreModule = api.module();
  m._load = function load(request: string, parent: unknown, isMain: boolean) {
    if (request === '@azure/functions-core') return coreModule;
    return original.call(this, request, parent, isMain);
  };
}
