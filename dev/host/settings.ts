import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The `Host` section of local.settings.json that the local host honours (as `func start` does). */
export interface LocalHostSettings {
  LocalHttpPort?: number;
  /** Comma-separated allowed origins, or `*`. */
  CORS?: string;
  CORSCredentials?: boolean;
}

/** local.settings.json as Core Tools reads it. */
export interface LocalSettings {
  IsEncrypted?: boolean;
  Values: Record<string, string>;
  Host: LocalHostSettings;
}

/**
 * Loads `local.settings.json` from `appDir`, creating it from `local.settings.example.json` on first
 * start, and copies its `Values` into `env` without overriding variables already set there (Core
 * Tools' behaviour: the environment wins).
 * @returns the settings file's content
 * @throws when the file exists but is not valid JSON
 */
export function applyLocalSettings(appDir: string, env: NodeJS.ProcessEnv = process.env): LocalSettings {
  const file = join(appDir, 'local.settings.json');
  const example = join(appDir, 'local.settings.example.json');
  if (!existsSync(file) && existsSync(example)) copyFileSync(example, file);
  const raw = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Partial<LocalSettings>) : {};
  const settings: LocalSettings = { Values: raw.Values ?? {}, Host: raw.Host ?? {}, ...(raw.IsEncrypted ? { IsEncrypted: true } : {}) };
  for (const [key, value] of Object.entries(settings.Values)) {
    if (env[key] === undefined) env[key] = String(value);
  }
  return settings;
}

/**
 * Resolves `%SETTING%` binding expressions (e.g. `queueName: '%JOBS_QUEUE_NAME%'`) from app settings.
 * @throws when a referenced setting is not set, as the Functions host refuses to index the function
 */
export function resolveBindingExpression(value: string, env: NodeJS.ProcessEnv = process.env): string {
  return value.replace(/%([^%]+)%/g, (_m, name: string) => {
    const v = env[name];
    if (v === undefined || v === '') throw new Error(`Binding expression references '${name}', which is not set.`);
    return v;
  });
}
