import { randomBytes } from 'node:crypto';

import { type AppConfig, loadConfig } from '../../src/core/config';

/** Connection string of the test run's Azurite (set by globalSetup). */
export function storageConnectionString(): string {
  const cs = process.env.TEST_STORAGE_CONNECTION_STRING;
  if (!cs) throw new Error('TEST_STORAGE_CONNECTION_STRING is not set: run the tests with jest (globalSetup starts Azurite).');
  return cs;
}

/** A fresh lowercase name for an isolated queue or container (`prefix-<hex>`). */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

/** Settings for an isolated app instance: own queue and container on the test Azurite. */
export function isolatedSettings(extra: Record<string, string> = {}): Record<string, string> {
  return {
    AzureWebJobsStorage: storageConnectionString(),
    JOBS_QUEUE_NAME: uniqueName('q'),
    JOBS_CONTAINER_NAME: uniqueName('c'),
    ...extra,
  };
}

/** An {@link AppConfig} over isolated settings. */
export function isolatedConfig(extra: Record<string, string> = {}): AppConfig {
  return loadConfig(isolatedSettings(extra));
}
