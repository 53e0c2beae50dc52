"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.CoreApi = exports.Disposable = void 0;
exports.newTraceParent = newTraceParent;
exports.installCoreModule = installCoreModule;
const node_crypto_1 = require("node:crypto");
const node_module_1 = __importDefault(require("node:module"));
/** `Disposable` as the worker exports it. */
class Disposable {
    static from(...items) {
        return new Disposable(() => items.forEach((i) => i.dispose()));
    }
    #callOnDispose;
    constructor(callOnDispose) {
        this.#callOnDispose = callOnDispose;
    }
    dispose() {
        this.#callOnDispose?.();
        this.#callOnDispose = undefined;
    }
}
exports.Disposable = Disposable;
/** The state behind the core module: registrations, the programming model, hooks and the log sink. */
class CoreApi {
    logSink;
    registrations = new Map();
    hooks = { appStart: [], appTerminate: [], preInvocation: [], postInvocation: [] };
    appHookData = {};
    programmingModel;
    /** Set once the app has loaded: registrations after that are refused, as the worker does. */
    locked = false;
    constructor(logSink) {
        this.logSink = logSink;
    }
    /** The object `require('@azure/functions-core')` returns. */
    module() {
        return {
            version: 'local-host',
            hostVersion: '4.0.0-local',
            Disposable,
            registerFunction: (metadata, handler) => this.registerFunction(metadata, handler),
            registerHook: (name, callback) => this.registerHook(name, callback),
            setProgrammingModel: (model) => {
                this.programmingModel = model;
            },
            getProgrammingModel: () => this.programmingModel,
            log: (level, category, message) => this.logSink(level, category, message),
        };
    }
    registerFunction(metadata, handler) {
        if (this.locked)
            throw new Error('A function can only be registered during app startup.');
        if (this.registrations.has(metadata.name))
            throw new Error(`A function with the name "${metadata.name}" has already been registered.`);
        const entry = Object.entries(metadata.bindings).find(([, b]) => /trigger$/i.test(b.type ?? ''));
        if (!entry)
            throw new Error(`Function "${metadata.name}" has no trigger binding.`);
        const [triggerName, trigger] = entry;
        this.registrations.set(metadata.name, {
            metadata: { ...metadata, functionId: metadata.functionId ?? metadata.name },
            handler,
            triggerName,
            trigger,
        });
        return new Disposable(() => this.registrations.delete(metadata.name));
    }
    registerHook(name, callback) {
        const list = this.hooks[name];
        if (!list)
            throw new Error(`Unknown hook "${String(name)}"`);
        list.push(callback);
        return new Disposable(() => list.splice(list.indexOf(callback) >>> 0, 1));
    }
    /** Runs the hooks of `name` in registration order, awaiting each. */
    async runHooks(name, context) {
        for (const hook of this.hooks[name])
            await hook(context);
    }
    /**
     * Invokes a registered function through the programming model, as the worker does:
     * `getInvocationModel` → `getArguments` → preInvocation hooks → `invokeFunction` → postInvocation
     * hooks → `getResponse`.
     * @throws whatever the function (or a hook) throws
     */
    async invokeWithId(reg, invocationId, inputData, triggerMetadata, traceParent) {
        const model = this.programmingModel;
        if (!model)
            throw new Error('No programming model was registered (is @azure/functions loaded?)');
        const coreCtx = {
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
        const hookData = {};
        const pre = { hookData, appHookData: this.appHookData, invocationContext: context, inputs, functionCallback: reg.handler };
        await this.runHooks('preInvocation', pre);
        coreCtx.state = 'invocation';
        let result;
        let error;
        try {
            result = await invocation.invokeFunction(context, pre.inputs, pre.functionCallback);
        }
        catch (err) {
            error = err;
        }
        coreCtx.state = 'postInvocationHooks';
        const post = { hookData, appHookData: this.appHookData, invocationContext: context, inputs: pre.inputs, result, error };
        await this.runHooks('postInvocation', post);
        // The handler's own error, rethrown unchanged (the Node worker does the same), whatever its type.
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- rethrows what the app threw
        if (post.error)
            throw post.error;
        return invocation.getResponse(context, post.result);
    }
}
exports.CoreApi = CoreApi;
/** A new W3C `traceparent` (version 00, random trace and span ids, sampled). */
function newTraceParent() {
    const hex = (n) => (0, node_crypto_1.randomUUID)().replace(/-/g, '').slice(0, n);
    return `00-${hex(32)}-${hex(16)}-01`;
}
/**
 * Makes `require('@azure/functions-core')` return `api`'s module in this process, the way the worker
 * intercepts module loading. Call before the app's files are loaded.
 */
function installCoreModule(api) {
    const m = node_module_1.default;
    // eslint-disable-next-line @typescript-eslint/unbound-method -- called below with `.call(this, …)`, its own receiver
    const original = m._load;
    const coreModule = api.module();
    m._load = function load(request, parent, isMain) {
        if (request === '@azure/functions-core')
            return coreModule;
        return original.call(this, request, parent, isMain);
    };
}
//# sourceMappingURL=coreApi.js.map