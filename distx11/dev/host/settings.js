"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.applyLocalSettings = applyLocalSettings;
exports.resolveBindingExpression = resolveBindingExpression;
const node_fs_1 = require("node:fs");
const node_path_1 = require("node:path");
/**
 * Loads `local.settings.json` from `appDir`, creating it from `local.settings.example.json` on first
 * start, and copies its `Values` into `env` without overriding variables already set there (Core
 * Tools' behaviour: the environment wins).
 * @returns the settings file's content
 * @throws when the file exists but is not valid JSON
 */
function applyLocalSettings(appDir, env = process.env) {
    const file = (0, node_path_1.join)(appDir, 'local.settings.json');
    const example = (0, node_path_1.join)(appDir, 'local.settings.example.json');
    if (!(0, node_fs_1.existsSync)(file) && (0, node_fs_1.existsSync)(example))
        (0, node_fs_1.copyFileSync)(example, file);
    const raw = (0, node_fs_1.existsSync)(file) ? JSON.parse((0, node_fs_1.readFileSync)(file, 'utf8')) : {};
    const settings = { Values: raw.Values ?? {}, Host: raw.Host ?? {}, ...(raw.IsEncrypted ? { IsEncrypted: true } : {}) };
    for (const [key, value] of Object.entries(settings.Values)) {
        if (env[key] === undefined)
            env[key] = String(value);
    }
    return settings;
}
/**
 * Resolves `%SETTING%` binding expressions (e.g. `queueName: '%JOBS_QUEUE_NAME%'`) from app settings.
 * @throws when a referenced setting is not set, as the Functions host refuses to index the function
 */
function resolveBindingExpression(value, env = process.env) {
    return value.replace(/%([^%]+)%/g, (_m, name) => {
        const v = env[name];
        if (v === undefined || v === '')
            throw new Error(`Binding expression references '${name}', which is not set.`);
        return v;
    });
}
//# sourceMappingURL=settings.js.map