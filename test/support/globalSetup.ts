import { type Azurite, startAzurite } from '../../dev/host/azurite';

declare global {
  var __AZURITE__: Azurite | undefined;
}

/**
 * Starts one in-memory Azurite on free ports for the whole run and publishes its connection string
 * as `TEST_STORAGE_CONNECTION_STRING` (test workers inherit the environment).
 */
export default async function globalSetup(): Promise<void> {
  const azurite = await startAzurite({ blobPort: 0, queuePort: 0, tablePort: 0, inMemory: true });
  globalThis.__AZURITE__ = azurite;
  process.env.TEST_STORAGE_CONNECTION_STRING = azurite.connectionString;
}
