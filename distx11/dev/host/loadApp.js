"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.loadApp = loadApp;
const node_fs_1 = require("node:fs");
const node_path_1 = require("node:path");
const globby_1 = __importDefault(require("globby"));
const coreApi_1 = require("./coreApi");
/**
 * Loads the function app the way the Node.js worker does (azure-functions-nodejs-worker
 * `startApp.ts`): resolves package.json `main` as a glob (globby) relative to the app directory,
 * requires each file, runs `appStart` hooks, then asks the programming model for its capabilities.
 * @throws when `main` is missing, matches no file, or a file fails to load
 */
async function loadApp(appDir, logSink) {
    const core = new coreApi_1.CoreApi(logSink);
    (0, coreApi_1.installCoreModule)(core);
    const pkg = JSON.parse((0, node_fs_1.readFileSync)((0, node_path_1.join)(appDir, 'package.json'), 'utf8'));
    if (!pkg.main)
        throw new Error('package.json has no "main" entry point.');
    const files = (await (0, globby_1.default)(pkg.main, { cwd: appDir })).map((f) => (0, node_path_1.resolve)(appDir, f));
    if (files.length === 0)
        throw new Error(`No file matches the "main" glob '${pkg.main}'. Did you run the build?`);
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the app is loaded by require(), as the Node worker loads it
    for (const file of files)
        require(file);
    core.locked = true;
    await core.runHooks('appStart', { hookData: {}, appHookData: core.appHookData, functionAppDirectory: appDir });
    const capabilities = core.programmingModel ? await core.programmingModel.getCapabilities({}) : {};
    return { core, capabilities, files };
}
//# sourceMappingURL=loadApp.js.map