import { type AppConfig, ConfigurationError, loadConfig, settingNames, settingsSchema } from '../../src/core/config';

// ------------------------------------------------------------------------------------------------
// Helpers

const devStorage = { AzureWebJobsStorage: 'UseDevelopmentStorage=true' };
/** Looks like a real account-key connection string; must never be echoed in an error. */
const secretKey = 'Zm9vYmFyU0VDUkVUa2V5MTIzNDU2Nzg5MA==';
const secretConnectionString = `DefaultEndpointsProtocol=https;AccountName=prodaccount;AccountKey=${secretKey};EndpointSuffix=core.windows.net`;

/** The ConfigurationError that loading `env` throws (fails the test when it loads). */
function configError(env: Record<string, string | undefined>): ConfigurationError {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigurationError);
    expect((err as Error).name).toBe('ConfigurationError');
    return err as ConfigurationError;
  }
  throw new Error(`expected loadConfig to throw for ${Object.keys(env).join(', ')}`);
}

// ------------------------------------------------------------------------------------------------

describe('defaults', () => {
  test('every setting has its documented default', () => {
    const config = loadConfig({ ...devStorage });
    const expected: AppConfig = {
      storage: { kind: 'connectionString', connectionString: 'UseDevelopmentStorage=true' },
      queueName: 'jobs',
      poisonQueueName: 'jobs-poison',
      containerName: 'jobs',
      maxInputBytes: 104_857_600, // 100 MiB
      resultSasTtlSeconds: 600, // 10 minutes
      retryAfterSeconds: 1,
      maxRetryAfterSeconds: 30,
      progressIntervalMs: 1000,
      trustForwardedHeaders: false,
      retentionDays: 7,
      submitDeadlineMs: 10_000,
      stuckAfterMs: 900_000, // 15 minutes
    };
    expect(config).toEqual(expected);
    expect(config).not.toHaveProperty('publicBaseUrl');
  });

  test('does not read process.env when an env object is given', () => {
    const saved = process.env.JOBS_QUEUE_NAME;
    process.env.JOBS_QUEUE_NAME = 'from-process-env';
    try {
      expect(loadConfig({ ...devStorage }).queueName).toBe('jobs');
    } finally {
      if (saved === undefined) delete process.env.JOBS_QUEUE_NAME;
      else process.env.JOBS_QUEUE_NAME = saved;
    }
  });

  test('empty strings are treated as unset', () => {
    const env: Record<string, string> = { ...devStorage };
    for (const name of settingNames) if (name !== 'AzureWebJobsStorage') env[name] = '';
    expect(loadConfig(env)).toEqual(loadConfig({ ...devStorage }));
  });

  test('an empty AzureWebJobsStorage counts as missing storage', () => {
    expect(configError({ AzureWebJobsStorage: '' }).message).toContain('AzureWebJobsStorage');
  });
});

describe('values', () => {
  test('every setting is read', () => {
    const config = loadConfig({
      AzureWebJobsStorage: secretConnectionString,
      JOBS_QUEUE_NAME: 'csv-jobs',
      JOBS_CONTAINER_NAME: 'job-data',
      JOBS_MAX_INPUT_BYTES: '1048576',
      JOBS_RESULT_SAS_TTL_SECONDS: '120',
      JOBS_RETRY_AFTER_SECONDS: '5',
      JOBS_MAX_RETRY_AFTER_SECONDS: '60',
      JOBS_PROGRESS_INTERVAL_MS: '250',
      JOBS_PUBLIC_BASE_URL: 'https://api.example.com',
      JOBS_TRUST_FORWARDED_HEADERS: 'true',
      JOBS_RETENTION_DAYS: '30',
      JOBS_SUBMIT_DEADLINE_MS: '2000',
      JOBS_STUCK_AFTER_SECONDS: '60',
    });
    expect(config).toEqual({
      storage: { kind: 'connectionString', connectionString: secretConnectionString },
      queueName: 'csv-jobs',
      poisonQueueName: 'csv-jobs-poison',
      containerName: 'job-data',
      maxInputBytes: 1_048_576,
      resultSasTtlSeconds: 120,
      retryAfterSeconds: 5,
      maxRetryAfterSeconds: 60,
      progressIntervalMs: 250,
      publicBaseUrl: 'https://api.example.com',
      trustForwardedHeaders: true,
      retentionDays: 30,
      submitDeadlineMs: 2000,
      stuckAfterMs: 60_000,
    });
  });

  test.each([
    ['true', true],
    ['1', true],
    ['yes', true],
    ['false', false],
    ['0', false],
    ['no', false],
  ])('JOBS_TRUST_FORWARDED_HEADERS=%s → %s', (value, expected) => {
    expect(loadConfig({ ...devStorage, JOBS_TRUST_FORWARDED_HEADERS: value }).trustForwardedHeaders).toBe(expected);
  });

  test.each([
    ['https://api.example.com/', 'https://api.example.com'],
    ['https://api.example.com///', 'https://api.example.com'],
    ['https://api.example.com:8443', 'https://api.example.com:8443'],
  ])('JOBS_PUBLIC_BASE_URL %s → %s (trailing slashes removed)', (value, expected) => {
    expect(loadConfig({ ...devStorage, JOBS_PUBLIC_BASE_URL: value }).publicBaseUrl).toBe(expected);
  });

  test('maxRetryAfterSeconds is never below retryAfterSeconds', () => {
    const raised = loadConfig({ ...devStorage, JOBS_RETRY_AFTER_SECONDS: '45', JOBS_MAX_RETRY_AFTER_SECONDS: '10' });
    expect(raised.retryAfterSeconds).toBe(45);
    expect(raised.maxRetryAfterSeconds).toBe(45);
    // Only the minimum set, above the default maximum of 30.
    const onlyMin = loadConfig({ ...devStorage, JOBS_RETRY_AFTER_SECONDS: '40' });
    expect(onlyMin.maxRetryAfterSeconds).toBeGreaterThanOrEqual(onlyMin.retryAfterSeconds);
    for (const [min, max] of [
      ['1', '1'],
      ['3', '2'],
      ['3600', '1'],
      ['2', '3600'],
    ] as const) {
      const c = loadConfig({ ...devStorage, JOBS_RETRY_AFTER_SECONDS: min, JOBS_MAX_RETRY_AFTER_SECONDS: max });
      expect(c.maxRetryAfterSeconds).toBeGreaterThanOrEqual(c.retryAfterSeconds);
      expect(c.maxRetryAfterSeconds).toBe(Math.max(Number(min), Number(max)));
    }
  });

  test.each([
    ['JOBS_MAX_INPUT_BYTES', '1', 'maxInputBytes', 1],
    ['JOBS_RESULT_SAS_TTL_SECONDS', '60', 'resultSasTtlSeconds', 60],
    ['JOBS_RESULT_SAS_TTL_SECONDS', String(7 * 24 * 3600), 'resultSasTtlSeconds', 604_800],
    ['JOBS_RETRY_AFTER_SECONDS', '1', 'retryAfterSeconds', 1],
    ['JOBS_RETRY_AFTER_SECONDS', '3600', 'retryAfterSeconds', 3600],
    ['JOBS_PROGRESS_INTERVAL_MS', '100', 'progressIntervalMs', 100],
    ['JOBS_PROGRESS_INTERVAL_MS', '60000', 'progressIntervalMs', 60_000],
    ['JOBS_RETENTION_DAYS', '1', 'retentionDays', 1],
    ['JOBS_RETENTION_DAYS', '365', 'retentionDays', 365],
  ] as const)('boundary %s=%s is accepted', (name, value, key, expected) => {
    expect(loadConfig({ ...devStorage, [name]: value })[key]).toBe(expected);
  });

  test('queue names leave room for the -poison suffix within the 63-character limit', () => {
    const longest = `q${'a'.repeat(54)}z`;
    const config = loadConfig({ ...devStorage, JOBS_QUEUE_NAME: longest });
    expect(config.queueName).toHaveLength(56);
    expect(config.poisonQueueName).toHaveLength(63);
    expect(configError({ ...devStorage, JOBS_QUEUE_NAME: `${longest}b` }).message).toContain('JOBS_QUEUE_NAME');
  });

  test('container names up to 63 characters', () => {
    const longest = `c${'a'.repeat(61)}z`;
    expect(loadConfig({ ...devStorage, JOBS_CONTAINER_NAME: longest }).containerName).toHaveLength(63);
    expect(configError({ ...devStorage, JOBS_CONTAINER_NAME: `${longest}b` }).message).toContain('JOBS_CONTAINER_NAME');
  });
});

describe('storage connection', () => {
  const blob = 'https://acct.blob.core.windows.net';
  const queue = 'https://acct.queue.core.windows.net';

  test('identity-based: both service URIs and the user-assigned identity client id', () => {
    const config = loadConfig({
      AzureWebJobsStorage__blobServiceUri: blob,
      AzureWebJobsStorage__queueServiceUri: queue,
      AzureWebJobsStorage__credential: 'managedidentity',
      AzureWebJobsStorage__clientId: '11111111-2222-3333-4444-555555555555',
    });
    expect(config.storage).toEqual({
      kind: 'identity',
      blobServiceUri: blob,
      queueServiceUri: queue,
      clientId: '11111111-2222-3333-4444-555555555555',
    });
  });

  test('identity-based without a client id (system-assigned identity)', () => {
    const config = loadConfig({
      AzureWebJobsStorage__blobServiceUri: blob,
      AzureWebJobsStorage__queueServiceUri: queue,
      AzureWebJobsStorage__clientId: '',
    });
    expect(config.storage).toEqual({ kind: 'identity', blobServiceUri: blob, queueServiceUri: queue });
    expect(config.storage).not.toHaveProperty('clientId');
  });

  test('a connection string takes precedence over identity settings', () => {
    const config = loadConfig({ ...devStorage, AzureWebJobsStorage__blobServiceUri: blob, AzureWebJobsStorage__queueServiceUri: queue });
    expect(config.storage.kind).toBe('connectionString');
  });

  test.each([
    ['nothing', {}],
    ['only the blob URI', { AzureWebJobsStorage__blobServiceUri: blob }],
    ['only the queue URI', { AzureWebJobsStorage__queueServiceUri: queue }],
    ['only credential and client id', { AzureWebJobsStorage__credential: 'managedidentity', AzureWebJobsStorage__clientId: 'abc' }],
  ])('missing storage (%s) → ConfigurationError naming the settings', (_what, env) => {
    const err = configError(env);
    expect(err.message).toContain('AzureWebJobsStorage');
    expect(err.message).toContain('AzureWebJobsStorage__blobServiceUri');
    expect(err.message).toContain('AzureWebJobsStorage__queueServiceUri');
  });
});

describe('invalid values', () => {
  test.each([
    ['JOBS_RETRY_AFTER_SECONDS', '0'],
    ['JOBS_RETRY_AFTER_SECONDS', '1.5'],
    ['JOBS_RETRY_AFTER_SECONDS', 'two'],
    ['JOBS_RETRY_AFTER_SECONDS', '3601'],
    ['JOBS_MAX_RETRY_AFTER_SECONDS', '0'],
    ['JOBS_MAX_INPUT_BYTES', '0'],
    ['JOBS_MAX_INPUT_BYTES', '-1'],
    ['JOBS_RESULT_SAS_TTL_SECONDS', '59'],
    ['JOBS_RESULT_SAS_TTL_SECONDS', String(7 * 24 * 3600 + 1)],
    ['JOBS_PROGRESS_INTERVAL_MS', '99'],
    ['JOBS_PROGRESS_INTERVAL_MS', '60001'],
    ['JOBS_RETENTION_DAYS', '0'],
    ['JOBS_RETENTION_DAYS', '366'],
    ['JOBS_QUEUE_NAME', 'Bad_Name'],
    ['JOBS_QUEUE_NAME', 'jobs-'],
    ['JOBS_QUEUE_NAME', '-jobs'],
    ['JOBS_QUEUE_NAME', 'a--b'],
    ['JOBS_QUEUE_NAME', 'ab'],
    ['JOBS_CONTAINER_NAME', 'Jobs'],
    ['JOBS_CONTAINER_NAME', 'my_jobs'],
    ['JOBS_CONTAINER_NAME', 'ab'],
    ['JOBS_TRUST_FORWARDED_HEADERS', 'maybe'],
    ['JOBS_PUBLIC_BASE_URL', 'not a url'],
    ['AzureWebJobsStorage__credential', 'clientsecret'],
  ])('%s=%j → ConfigurationError naming the setting', (name, value) => {
    const err = configError({ ...devStorage, [name]: value });
    expect(err.message).toContain(name);
  });

  test('every invalid setting is named at once', () => {
    const err = configError({ ...devStorage, JOBS_QUEUE_NAME: 'Bad_Name', JOBS_RETRY_AFTER_SECONDS: '0', JOBS_RETENTION_DAYS: 'x' });
    for (const name of ['JOBS_QUEUE_NAME', 'JOBS_RETRY_AFTER_SECONDS', 'JOBS_RETENTION_DAYS']) expect(err.message).toContain(name);
    expect(err.message).not.toContain('JOBS_CONTAINER_NAME');
  });

  test.each([
    ['AzureWebJobsStorage__blobServiceUri', secretConnectionString],
    ['AzureWebJobsStorage__queueServiceUri', secretConnectionString],
    ['AzureWebJobsStorage__credential', secretConnectionString],
    ['JOBS_PUBLIC_BASE_URL', secretConnectionString],
    ['JOBS_QUEUE_NAME', `Bad_Name_${secretKey}`],
    ['JOBS_CONTAINER_NAME', secretConnectionString],
    ['JOBS_TRUST_FORWARDED_HEADERS', secretKey],
    ['JOBS_RETRY_AFTER_SECONDS', secretKey],
  ])('a secret-looking value of %s is never echoed', (name, value) => {
    const err = configError({ AzureWebJobsStorage: secretConnectionString, [name]: value });
    expect(err.message).toContain(name);
    for (const fragment of [secretKey, 'AccountKey', 'prodaccount', 'Bad_Name']) {
      expect(err.message).not.toContain(fragment);
      expect(String(err.stack)).not.toContain(fragment);
    }
  });

  test('the error for missing identity settings does not echo the value that is set', () => {
    const err = configError({ AzureWebJobsStorage__blobServiceUri: 'https://secretaccount.blob.core.windows.net' });
    expect(err.message).not.toContain('secretaccount');
  });

  // Regression (fixed): JOBS_PUBLIC_BASE_URL is documented as a public origin (scheme://host[:port]) and is pasted
  // in front of every Location URL, but z.url() accepts any scheme and a query string:
  // 'ftp://api.example.com' gives Location 'ftp://api.example.com/api/jobs/<id>' and
  // 'https://api.example.com/?x=1' gives 'https://api.example.com/?x=1/api/jobs/<id>'.
  // Expected: rejected with a ConfigurationError (or reduced to the origin).
  test.each([['ftp://api.example.com'], ['https://api.example.com/?x=1'], ['https://api.example.com/#frag']])(
    'JOBS_PUBLIC_BASE_URL=%s (not an http(s) origin) is rejected',
    (value) => {
      expect(() => loadConfig({ ...devStorage, JOBS_PUBLIC_BASE_URL: value })).toThrow(ConfigurationError);
    },
  );
});

describe('settingNames', () => {
  test('lists every setting key of the schema, and nothing else', () => {
    expect([...settingNames].sort()).toEqual(Object.keys(settingsSchema.shape).sort());
    expect([...settingNames].sort()).toEqual(
      [
        'AzureWebJobsStorage',
        'AzureWebJobsStorage__blobServiceUri',
        'AzureWebJobsStorage__clientId',
        'AzureWebJobsStorage__credential',
        'AzureWebJobsStorage__queueServiceUri',
        'JOBS_CONTAINER_NAME',
        'JOBS_MAX_INPUT_BYTES',
        'JOBS_MAX_RETRY_AFTER_SECONDS',
        'JOBS_PROGRESS_INTERVAL_MS',
        'JOBS_PUBLIC_BASE_URL',
        'JOBS_QUEUE_NAME',
        'JOBS_RESULT_SAS_TTL_SECONDS',
        'JOBS_RETENTION_DAYS',
        'JOBS_RETRY_AFTER_SECONDS',
        'JOBS_STUCK_AFTER_SECONDS',
        'JOBS_SUBMIT_DEADLINE_MS',
        'JOBS_TRUST_FORWARDED_HEADERS',
      ].sort(),
    );
  });

  test('every listed setting is actually read: changing it changes the config or makes it invalid', () => {
    const base = JSON.stringify(loadConfig({ ...devStorage }));
    const probe: Record<string, string> = {
      AzureWebJobsStorage: 'UseDevelopmentStorage=true;DevelopmentStorageProxyUri=http://127.0.0.1',
      AzureWebJobsStorage__blobServiceUri: 'not a url',
      AzureWebJobsStorage__queueServiceUri: 'not a url',
      AzureWebJobsStorage__credential: 'other',
      AzureWebJobsStorage__clientId: 'x',
      JOBS_QUEUE_NAME: 'other-queue',
      JOBS_CONTAINER_NAME: 'other-container',
      JOBS_MAX_INPUT_BYTES: '5',
      JOBS_RESULT_SAS_TTL_SECONDS: '61',
      JOBS_RETRY_AFTER_SECONDS: '3',
      JOBS_MAX_RETRY_AFTER_SECONDS: '31',
      JOBS_PROGRESS_INTERVAL_MS: '101',
      JOBS_PUBLIC_BASE_URL: 'https://x.example.com',
      JOBS_TRUST_FORWARDED_HEADERS: 'true',
      JOBS_RETENTION_DAYS: '8',
      JOBS_SUBMIT_DEADLINE_MS: '2001',
      JOBS_STUCK_AFTER_SECONDS: '61',
    };
    expect(Object.keys(probe).sort()).toEqual([...settingNames].sort());
    for (const name of settingNames) {
      const env = { ...devStorage, [name]: probe[name] };
      let changed: boolean;
      try {
        changed = JSON.stringify(loadConfig(env)) !== base;
      } catch (err) {
        changed = err instanceof ConfigurationError && err.message.includes(name);
      }
      // AzureWebJobsStorage__clientId only matters with identity-based storage.
      if (name === 'AzureWebJobsStorage__clientId') {
        const identity = {
          AzureWebJobsStorage__blobServiceUri: 'https://a.blob.core.windows.net',
          AzureWebJobsStorage__queueServiceUri: 'https://a.queue.core.windows.net',
        };
        changed = JSON.stringify(loadConfig({ ...identity, [name]: 'x' })) !== JSON.stringify(loadConfig(identity));
      }
      expect({ name, changed }).toEqual({ name, changed: true });
    }
  });
});
