/**
 * Consistency checks between the app's configuration and the infrastructure (issue 5).
 *
 * There is no Bicep compiler in CI, so the Bicep files are read as text: small, explicit parsers pick
 * out the app-settings object, parameter defaults, module references and role IDs. The Logic Apps
 * workflow definition is plain JSON and is parsed as such.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadConfig, settingNames, settingsSchema } from '../../src/core/config';
import { routePrefix as appRoutePrefix } from '../../src/http/urls';

const root = path.resolve(__dirname, '..', '..');
const read = (rel: string): string => fs.readFileSync(path.join(root, rel), 'utf8');

const mainBicep = read('infra/main.bicep');
const apiBicep = read('infra/app/api.bicep');
const rbacBicep = read('infra/app/rbac.bicep');
const facadeBicep = read('infra/app/facade.bicep');
const hostJson = JSON.parse(read('host.json')) as {
  functionTimeout?: string;
  extensions?: { http?: { routePrefix?: string }; queues?: Record<string, unknown> };
};
const localSettings = JSON.parse(read('local.settings.example.json')) as { Values: Record<string, string> };
const workflowDefinitionText = read('infra/logic/workflow.definition.json');

/** Every .bicep file under infra/, relative to the repository root. */
function bicepFiles(dir = 'infra'): string[] {
  return fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const rel = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return bicepFiles(rel);
    return entry.name.endsWith('.bicep') ? [rel] : [];
  });
}

/** Removes `// ...` line comments (not inside quotes, good enough for these files). */
function stripComments(bicep: string): string {
  return bicep
    .split('\n')
    .map((line) => line.replace(/^(\s*)\/\/.*$/, '$1').replace(/\s\/\/\s.*$/, ''))
    .join('\n');
}

/** The text of the `{ ... }` block that starts at the first match of `opener` (which must end with `{`). */
function block(bicep: string, opener: RegExp): string {
  const match = opener.exec(bicep);
  if (!match) throw new Error(`block not found: ${opener}`);
  const start = match.index + match[0].length - 1;
  let depth = 0;
  for (let i = start; i < bicep.length; i++) {
    if (bicep[i] === '{') depth++;
    if (bicep[i] === '}' && --depth === 0) return bicep.slice(start + 1, i);
  }
  throw new Error(`unbalanced block: ${opener}`);
}

/** `KEY: expression` pairs of a flat Bicep object literal. */
function objectEntries(body: string): Map<string, string> {
  const entries = new Map<string, string>();
  for (const line of stripComments(body).split('\n')) {
    const m = /^\s*'?([A-Za-z_][\w-]*)'?\s*:\s*(.+?)\s*$/.exec(line);
    if (m) entries.set(m[1]!, m[2]!);
  }
  return entries;
}

/** `param name type = default` and `var name = value` declarations (single-line ones). */
function declarations(bicep: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const line of stripComments(bicep).split('\n')) {
    const p = /^param\s+(\w+)\s+\w+\s*=\s*(.+?)\s*$/.exec(line);
    if (p) found.set(p[1]!, p[2]!);
    const v = /^var\s+(\w+)\s*=\s*(.+?)\s*$/.exec(line);
    if (v && !v[2]!.endsWith('{') && !v[2]!.endsWith('[')) found.set(v[1]!, v[2]!);
  }
  return found;
}

/**
 * Evaluates the small subset of Bicep expressions used for settings and names: string literals
 * (with `${id}` interpolation), integers, booleans, identifiers of params/vars and `string(x)`.
 */
function evaluate(expr: string, scope: Map<string, string>, depth = 0): string {
  if (depth > 10) throw new Error(`cannot evaluate ${expr}`);
  const e = expr.trim();
  const literal = /^'((?:[^'\\]|\\.)*)'$/.exec(e);
  if (literal) {
    return literal[1]!.replace(/\$\{(\w+)\}/g, (_, id: string) => evaluate(id, scope, depth + 1));
  }
  if (/^-?\d+$/.test(e) || e === 'true' || e === 'false') return e;
  const call = /^string\((\w+)\)$/.exec(e);
  if (call) return evaluate(call[1]!, scope, depth + 1);
  const declared = scope.get(e);
  if (declared !== undefined) return evaluate(declared, scope, depth + 1);
  throw new Error(`cannot evaluate Bicep expression: ${expr}`);
}

const mainScope = declarations(mainBicep);
const jobsAppSettings = objectEntries(block(mainBicep, /var jobsAppSettings = \{/));
const hostStorageSettings = objectEntries(block(apiBicep, /var hostStorageSettings = \{/));
const monitoringSettings = objectEntries(block(apiBicep, /var monitoringSettings = \{/));
const storageModule = block(mainBicep, /module storage 'br\/public:avm\/res\/storage\/storage-account:[^']+' = \{/);
const storageParams = objectEntries(storageModule);

const jobsSettingNames = settingNames.filter((n) => n.startsWith('JOBS_'));
/** Defaults of every setting, keyed by setting name, straight from the app's schema. */
const schemaDefaults = settingsSchema.parse({}) as Record<string, unknown>;
const defaultConfig = loadConfig({ AzureWebJobsStorage: 'UseDevelopmentStorage=true' });

describe('infra: app settings match src/core/config.ts', () => {
  it('declares at least the JOBS_* settings the app reads', () => {
    expect(jobsSettingNames.length).toBeGreaterThanOrEqual(10);
  });

  it.each(jobsSettingNames)('%s is set in Bicep with the default of the app schema', (name) => {
    expect(jobsAppSettings.has(name)).toBe(true);
    const value = evaluate(jobsAppSettings.get(name)!, mainScope);
    const expected = schemaDefaults[name];
    // Optional settings without default (JOBS_PUBLIC_BASE_URL) must be empty: the app treats '' as unset.
    expect(value).toBe(expected === undefined ? '' : String(expected));
  });

  it.each(jobsSettingNames)('%s is in local.settings.example.json with the same default', (name) => {
    expect(Object.keys(localSettings.Values)).toContain(name);
    const expected = schemaDefaults[name];
    expect(localSettings.Values[name]).toBe(expected === undefined ? '' : String(expected));
  });

  it('sets no JOBS_* name the app does not read (typos would be silently ignored)', () => {
    const known = new Set<string>(jobsSettingNames);
    expect([...jobsAppSettings.keys()].filter((k) => !known.has(k))).toEqual([]);
    expect(Object.keys(localSettings.Values).filter((k) => k.startsWith('JOBS_') && !known.has(k))).toEqual([]);
  });

  it('uses a connection string locally and identity-based host storage in Azure', () => {
    expect(localSettings.Values.AzureWebJobsStorage).toBe('UseDevelopmentStorage=true');
    for (const key of ['blobServiceUri', 'queueServiceUri', 'tableServiceUri', 'credential', 'clientId']) {
      expect(hostStorageSettings.has(`AzureWebJobsStorage__${key}`)).toBe(true);
    }
    expect(evaluate(hostStorageSettings.get('AzureWebJobsStorage__credential')!, new Map())).toBe('managedidentity');
    // Every AzureWebJobsStorage__* setting the app declares is provided by Bicep.
    for (const name of settingNames.filter((n) => n.startsWith('AzureWebJobsStorage__'))) {
      expect(hostStorageSettings.has(name)).toBe(true);
    }
  });

  it('never configures a key-based AzureWebJobsStorage connection string in Azure', () => {
    for (const file of bicepFiles()) {
      const text = stripComments(read(file));
      expect(text).not.toMatch(/^\s*'?AzureWebJobsStorage'?\s*:/m);
      expect(text).not.toMatch(/AccountKey=|listKeys\(/);
    }
  });

  it('gives the app an identity-based storage configuration that loadConfig accepts', () => {
    const env: Record<string, string> = {};
    for (const [name, expr] of jobsAppSettings) env[name] = evaluate(expr, mainScope);
    for (const name of hostStorageSettings.keys()) {
      env[name] = name.endsWith('ServiceUri')
        ? `https://stexample.${name.split('__')[1]!.replace('ServiceUri', '')}.core.windows.net/`
        : name.endsWith('clientId')
          ? '00000000-0000-0000-0000-000000000000'
          : evaluate(hostStorageSettings.get(name)!, new Map());
    }
    const config = loadConfig(env);
    expect(config.storage.kind).toBe('identity');
    expect(config.storage).toMatchObject({ clientId: '00000000-0000-0000-0000-000000000000' });
    expect(config.queueName).toBe(defaultConfig.queueName);
    expect(config.retentionDays).toBe(defaultConfig.retentionDays);
  });

  it('sends telemetry with Entra ID (App Insights local auth disabled)', () => {
    expect(monitoringSettings.has('APPLICATIONINSIGHTS_CONNECTION_STRING')).toBe(true);
    expect(monitoringSettings.get('APPLICATIONINSIGHTS_AUTHENTICATION_STRING')).toBe(
      "'ClientId=${identityClientId};Authorization=AAD'",
    );
    expect(block(mainBicep, /module appInsights '[^']+' = \{/)).toMatch(/disableLocalAuth:\s*true/);
  });

  it('sets none of the app settings Flex Consumption rejects', () => {
    const all = stripComments(`${mainBicep}\n${apiBicep}`);
    for (const name of ['FUNCTIONS_WORKER_RUNTIME', 'FUNCTIONS_EXTENSION_VERSION', 'WEBSITE_RUN_FROM_PACKAGE', 'WEBSITE_NODE_DEFAULT_VERSION']) {
      expect(all).not.toMatch(new RegExp(`\\b${name}\\s*:`));
    }
    expect(apiBicep).toMatch(/name:\s*'node'\s*\n\s*version:\s*'22'/);
    expect(mainBicep).toMatch(/skuName:\s*'FC1'/);
  });
});

describe('infra: queues and containers agree with the app', () => {
  it('creates the job queue and its poison queue under the names the app uses', () => {
    expect(evaluate('jobsQueueName', mainScope)).toBe(defaultConfig.queueName);
    expect(evaluate('jobsPoisonQueueName', mainScope)).toBe(defaultConfig.poisonQueueName);
    const queues = block(storageModule, /queueServices:\s*\{/);
    const names = [...queues.matchAll(/name:\s*(\S+)/g)].map((m) => evaluate(m[1]!, mainScope));
    expect(names).toEqual(expect.arrayContaining([defaultConfig.queueName, defaultConfig.poisonQueueName]));
    expect(evaluate(jobsAppSettings.get('JOBS_QUEUE_NAME')!, mainScope)).toBe(defaultConfig.queueName);
  });

  it('creates the job container and the Flex deployment container', () => {
    // Only containers have a `name` inside blobServices.
    const scope = new Map(mainScope).set('resourceToken', "'token'");
    const names = [...block(storageModule, /blobServices:\s*\{/).matchAll(/name:\s*(\S+)/g)].map((m) => evaluate(m[1]!, scope));
    expect(names).toContain(defaultConfig.containerName);
    expect(names).toContain(evaluate('deploymentContainerName', scope));
    expect(evaluate(jobsAppSettings.get('JOBS_CONTAINER_NAME')!, mainScope)).toBe(defaultConfig.containerName);
    expect(apiBicep).toMatch(/value:\s*'\$\{storageBlobEndpoint\}\$\{deploymentContainerName\}'/);
    expect(apiBicep).toMatch(/type:\s*'UserAssignedIdentity'/);
  });

  it('expires job blobs after the configured retention, and only in the jobs container', () => {
    expect(evaluate('retentionDays', mainScope)).toBe(String(defaultConfig.retentionDays));
    const rules = storageModule.slice(storageModule.indexOf('managementPolicyRules'));
    expect(rules).toMatch(/daysAfterModificationGreaterThan:\s*retentionDays/);
    const prefix = /prefixMatch:\s*\[\s*('[^']*')/.exec(rules);
    expect(prefix).not.toBeNull();
    expect(evaluate(prefix![1]!, mainScope)).toBe(`${defaultConfig.containerName}/`);
  });

  it('lets browsers GET/HEAD results from Blob storage (CORS)', () => {
    const cors = block(storageModule, /corsRules:\s*\[\s*\{/);
    expect(cors).toMatch(/'GET'/);
    expect(cors).toMatch(/'HEAD'/);
    expect(cors).toMatch(/allowedOrigins:\s*blobCorsAllowedOrigins/);
  });

  it('has nothing in host.json that contradicts the infrastructure', () => {
    // The façade and the README address the API under /api.
    const routePrefix = hostJson.extensions?.http?.routePrefix ?? 'api';
    expect(routePrefix).toBe(appRoutePrefix);
    expect(JSON.parse(workflowDefinitionText).actions.Submit_job.inputs.uri).toContain(`/${routePrefix}/jobs/`);
    // Timeouts above 10 minutes are only valid on Flex Consumption / Premium, which Bicep deploys.
    const [h, m, s] = (hostJson.functionTimeout ?? '00:30:00').split(':').map(Number);
    if (h! * 3600 + m! * 60 + s! > 600) expect(mainBicep).toMatch(/skuName:\s*'FC1'/);
    // Queue and container names come from app settings, never from host.json.
    const hostText = JSON.stringify(hostJson);
    expect(hostText).not.toMatch(/queueName|containerName|-poison/);
  });
});

describe('infra: storage account hardening', () => {
  it('disables shared key access, public blobs and old TLS', () => {
    expect(storageParams.get('allowSharedKeyAccess')).toBe('false');
    expect(storageParams.get('allowBlobPublicAccess')).toBe('false');
    expect(storageParams.get('minimumTlsVersion')).toBe("'TLS1_2'");
    expect(storageParams.get('supportsHttpsTrafficOnly')).toBe('true');
    for (const file of bicepFiles()) {
      expect(stripComments(read(file))).not.toMatch(/allowSharedKeyAccess:\s*true/);
    }
  });
});

describe('infra: module references', () => {
  // Versions verified against the tags of Azure/bicep-registry-modules (avm/res/<module>/<version>)
  // and the parameter names of each module's main.bicep at that tag. Bump deliberately.
  const verified: Record<string, string> = {
    'avm/res/managed-identity/user-assigned-identity': '0.6.0',
    'avm/res/storage/storage-account': '0.33.0',
    'avm/res/operational-insights/workspace': '0.16.1',
    'avm/res/insights/component': '0.8.0',
    'avm/res/web/serverfarm': '0.7.0',
    'avm/res/web/site': '0.24.0',
  };
  const references = bicepFiles().flatMap((file) =>
    [...read(file).matchAll(/'br\/public:([^':]+)(?::([^']*))?'/g)].map((m) => ({ file, module: m[1]!, version: m[2] })),
  );

  it('uses Azure Verified Modules', () => {
    expect(references.length).toBeGreaterThanOrEqual(6);
  });

  it.each(references.map((r) => [`${r.file} ${r.module}`, r] as const))('%s is pinned to a verified version', (_, ref) => {
    expect(ref.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(verified[ref.module]).toBe(ref.version);
  });
});

describe('infra: Logic Apps façade definition', () => {
  type Action = {
    type: string;
    kind?: string;
    inputs: Record<string, any>;
    runAfter?: Record<string, string[]>;
    limit?: { timeout?: string };
    operationOptions?: string;
  };
  const definition = JSON.parse(workflowDefinitionText) as {
    parameters: Record<string, unknown>;
    triggers: Record<string, Action>;
    actions: Record<string, Action>;
  };
  const actions = Object.entries(definition.actions);
  const httpActions = actions.filter(([, a]) => a.type === 'Http');
  const responses = actions.filter(([, a]) => a.type === 'Response');

  it('starts with a POST Request trigger that carries the job type in its relative path', () => {
    const triggers = Object.values(definition.triggers);
    expect(triggers).toHaveLength(1);
    expect(triggers[0]).toMatchObject({ type: 'Request', kind: 'Http', inputs: { method: 'POST' } });
    expect(triggers[0]!.inputs.relativePath).toContain('{type}');
  });

  it('calls the API with the async pattern on, streaming the result when done', () => {
    expect(httpActions).toHaveLength(1);
    const [, http] = httpActions[0]!;
    expect(http.inputs.method).toBe('POST');
    expect(http.inputs.uri).toContain("parameters('apiBaseUrl')");
    expect(http.inputs.uri).toContain("['relativePathParameters']['type']");
    expect(http.inputs.uri).toContain('onPending=accepted');
    expect(http.inputs.uri).toContain('onComplete=stream');
    expect(http.inputs.body).toBe('@triggerBody()');
    expect(http.inputs.headers['Content-Type']).toContain("triggerOutputs()?['headers']?['Content-Type']");
    expect(workflowDefinitionText).not.toMatch(/DisableAsyncPattern/i);
    expect(http.operationOptions).toBeUndefined();
  });

  it('authenticates with a managed identity', () => {
    const [, http] = httpActions[0]!;
    expect(http.inputs.authentication).toMatchObject({ type: 'ManagedServiceIdentity' });
    expect(http.inputs.authentication.audience).toBeTruthy();
  });

  it('gives up before the Request trigger must be answered (about 120 s)', () => {
    const [, http] = httpActions[0]!;
    const m = /^PT(?:(\d+)M)?(?:(\d+)S)?$/.exec(http.limit?.timeout ?? '');
    expect(m).not.toBeNull();
    const seconds = Number(m![1] ?? 0) * 60 + Number(m![2] ?? 0);
    expect(seconds).toBeGreaterThan(0);
    expect(seconds).toBeLessThan(120);
  });

  it('answers with the result on success and with problem+json on failure or timeout', () => {
    const [httpName] = httpActions[0]!;
    const success = responses.find(([, r]) => r.runAfter?.[httpName]?.includes('Succeeded'));
    const failure = responses.find(([, r]) => r.runAfter?.[httpName]?.includes('Failed'));
    expect(success).toBeDefined();
    expect(success![1].inputs.body).toBe(`@body('${httpName}')`);
    expect(success![1].inputs.statusCode).toContain(`outputs('${httpName}')`);
    expect(failure).toBeDefined();
    expect(failure![1].runAfter![httpName]).toEqual(expect.arrayContaining(['Failed', 'TimedOut']));
    expect(failure![1].inputs.headers['Content-Type']).toBe('application/problem+json');
    expect(failure![1].inputs.statusCode).toMatch(/504/);
    expect(failure![1].inputs.statusCode).toMatch(/502/);
    expect(failure![1].inputs.body).toMatchObject({ type: expect.any(String), title: expect.any(String) });
  });

  it('declares every parameter it uses, and Bicep sets apiBaseUrl to the function app', () => {
    const used = [...workflowDefinitionText.matchAll(/parameters\('(\w+)'\)/g)].map((m) => m[1]!);
    expect(used.length).toBeGreaterThan(0);
    for (const name of used) expect(Object.keys(definition.parameters)).toContain(name);
    expect(facadeBicep).toMatch(/loadJsonContent\('\.\.\/logic\/workflow\.definition\.json'\)/);
    for (const name of Object.keys(definition.parameters)) expect(facadeBicep).toMatch(new RegExp(`\\b${name}:\\s*\\{`));
    expect(mainBicep).toMatch(/apiBaseUrl:\s*'https:\/\/\$\{api\.outputs\.defaultHostName\}'/);
  });
});

describe('infra: role assignments use the documented built-in role IDs', () => {
  // https://learn.microsoft.com/azure/role-based-access-control/built-in-roles (storage, monitor)
  const documented: Record<string, string> = {
    'Storage Blob Data Owner': 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
    'Storage Queue Data Contributor': '974c5e8b-45b9-4653-ba55-5f855dd0fb88',
    'Storage Table Data Contributor': '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3',
    'Monitoring Metrics Publisher': '3913510d-42f4-4e42-8a64-420c390055eb',
  };
  const guid = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
  const roleVars = [...rbacBicep.matchAll(/^var (\w+RoleId) = '([^']+)'/gm)].map((m) => ({ name: m[1]!, id: m[2]! }));

  it('uses only documented role IDs, each commented with its role name', () => {
    const ids = new Set(Object.values(documented));
    for (const file of bicepFiles()) {
      for (const id of read(file).match(guid) ?? []) expect(ids).toContain(id.toLowerCase());
    }
    expect(roleVars.length).toBe(Object.keys(documented).length);
    for (const [role, id] of Object.entries(documented)) {
      expect(rbacBicep).toContain(`// ${role} — ${id}.`);
      expect(roleVars.find((v) => v.id === id)).toBeDefined();
    }
  });

  it("grants the app's identity the data roles host storage, the queue trigger and telemetry need", () => {
    const appAssignments = [...rbacBicep.matchAll(/resource app\w+ 'Microsoft\.Authorization\/roleAssignments@[^']+' = \{([\s\S]*?)\n\}/g)];
    const granted = appAssignments.map((m) => /roleDefinitions', (\w+)\)/.exec(m[1]!)?.[1]);
    const idOf = (name: string) => roleVars.find((v) => v.name === name)?.id;
    expect(granted.map((n) => idOf(n!))).toEqual(
      expect.arrayContaining([
        documented['Storage Blob Data Owner'],
        documented['Storage Queue Data Contributor'],
        documented['Monitoring Metrics Publisher'],
      ]),
    );
    for (const m of appAssignments) expect(m[1]).toMatch(/principalId: appPrincipalId/);
  });

  it("assigns the deploying user's roles only when principalId is set", () => {
    const userAssignments = [...rbacBicep.matchAll(/resource user\w+ '[^']+' = (.*)\{/g)];
    expect(userAssignments.length).toBeGreaterThan(0);
    for (const m of userAssignments) expect(m[1]).toContain('if (!empty(userPrincipalId))');
  });
});

describe('azd wiring', () => {
  const azureYaml = read('azure.yaml');
  const parameters = JSON.parse(read('infra/main.parameters.json')).parameters as Record<string, { value: string }>;

  it('deploys the project root as the TypeScript function service "api"', () => {
    const api = /^ {2}api:\n((?: {4}.*\n?)+)/m.exec(azureYaml);
    expect(api).not.toBeNull();
    expect(api![1]).toMatch(/^ {4}project: \.\s*$/m);
    expect(api![1]).toMatch(/^ {4}language: ts\s*$/m);
    expect(api![1]).toMatch(/^ {4}host: function\s*$/m);
    expect(apiBicep).toMatch(/'azd-service-name': 'api'/);
  });

  it('maps the azd environment into the subscription-scoped template', () => {
    expect(mainBicep).toMatch(/^targetScope = 'subscription'/m);
    expect(parameters.environmentName?.value).toBe('${AZURE_ENV_NAME}');
    expect(parameters.location?.value).toBe('${AZURE_LOCATION}');
    expect(parameters.principalId?.value).toBe('${AZURE_PRINCIPAL_ID}');
    for (const name of Object.keys(parameters)) expect(mainBicep).toMatch(new RegExp(`^param ${name} `, 'm'));
  });

  it('exposes the outputs the README relies on', () => {
    const outputs = [...mainBicep.matchAll(/^output (\w+) /gm)].map((m) => m[1]);
    expect(outputs).toEqual(
      expect.arrayContaining([
        'AZURE_LOCATION',
        'AZURE_TENANT_ID',
        'RESOURCE_GROUP',
        'AZURE_FUNCTION_APP_NAME',
        'AZURE_FUNCTION_APP_URL',
        'AZURE_STORAGE_ACCOUNT_NAME',
        'AZURE_STORAGE_BLOB_ENDPOINT',
        'AZURE_STORAGE_QUEUE_ENDPOINT',
        'LOGIC_APP_NAME',
        'LOGIC_APP_TRIGGER_URL',
      ]),
    );
  });
});
