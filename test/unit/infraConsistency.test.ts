/**
 * Consistency checks between the app's configuration and the infrastructure.
 *
 * The Bicep files are compiled with the real Bicep CLI (`bicep build infra/main.bicep --stdout`, the
 * same CLI `npm run infra:check` uses, found by scripts/infraCheck.ts) and the tests assert on the
 * ARM JSON that azd would deploy. Expressions stay strings in ARM JSON ("[parameters('x')]"); the
 * tests evaluate the ones that need no Azure (test/support/armExpressions.ts) with the template's
 * parameter defaults, and compare the ones that do (reference(), uniqueString()) as text.
 *
 * No Bicep CLI: with CI=true this file fails at once (CI installs the CLI, `.ci/run`); elsewhere the
 * compiled-template groups are not registered and one line says so ("skipped: no Bicep CLI"), while
 * the checks that need no compiler (local settings, the workflow definition, azd wiring) still run.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { buildMainCached, findBicep } from '../../scripts/infraCheck';
import { loadConfig, settingNames, settingsSchema } from '../../src/core/config';
import { routePrefix as appRoutePrefix } from '../../src/http/urls';
import {
  type ArmResource,
  type ArmScope,
  type ArmTemplate,
  evaluate,
  resourcesOf,
  scopeOf,
  UnevaluableExpression,
} from '../support/armExpressions';

const root = path.resolve(__dirname, '..', '..');

/** A setting's default as app settings hold it: strings as they are, numbers and booleans as String() writes them. */
const settingText = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));
const read = (rel: string): string => fs.readFileSync(path.join(root, rel), 'utf8');

const hostJson = JSON.parse(read('host.json')) as {
  functionTimeout?: string;
  extensions?: { http?: { routePrefix?: string }; queues?: Record<string, unknown> };
};
const localSettings = JSON.parse(read('local.settings.example.json')) as { Values: Record<string, string> };
const workflowDefinitionText = read('infra/logic/workflow.definition.json');

const jobsSettingNames = settingNames.filter((n) => n.startsWith('JOBS_'));
/** Defaults of every setting, keyed by setting name, straight from the app's schema. */
const schemaDefaults = settingsSchema.parse({}) as Record<string, unknown>;
const defaultConfig = loadConfig({ AzureWebJobsStorage: 'UseDevelopmentStorage=true' });

const inCi = process.env.CI === 'true' || process.env.CI === '1';
const bicep = findBicep();
if (!bicep && inCi) {
  throw new Error(
    'CI=true but no Bicep CLI was found: CI must compile infra/main.bicep (run `npm run infra:check -- --install` first, as .ci/run does).',
  );
}
/** `describe` for the groups that need the compiled template; without a CLI (not CI) they are not registered. */
const describeCompiled: (name: string, fn: () => void) => void = bicep
  ? describe
  : (name) => process.stderr.write(`skipped: no Bicep CLI (set BICEP_PATH or run \`npm run infra:check -- --install\`): "${name}"\n`);

/**
 * The compiled main template: `bicep build` (about 4 s), or the result `npm run infra:check` stored for
 * the same CLI and the same infra/ files (scripts/infraCheck.ts buildMainCached).
 */
const main: ArmTemplate = bicep ? (buildMainCached(bicep.path).template as ArmTemplate) : { resources: [] };

/** Values of main.bicep's required parameters for the evaluations below (what azd would pass). */
const mainValues = { environmentName: 'dev', location: 'westeurope' };

/** A module deployment of main.bicep by its deployment name ('storage', 'api', ...). */
function deployment(name: string): { resource: ArmResource; template: ArmTemplate; args: Record<string, { value: unknown }> } {
  const resource = resourcesOf(main).find((r) => r.type === 'Microsoft.Resources/deployments' && r.name === name);
  if (!resource) throw new Error(`no module deployment '${name}' in the compiled template`);
  return {
    resource,
    template: resource.properties!.template as ArmTemplate,
    args: resource.properties!.parameters as Record<string, { value: unknown }>,
  };
}

/**
 * The scope a module runs in: each argument main.bicep passes, evaluated in main's scope for
 * `values`. Arguments only Azure can compute (module outputs through reference()) take the value
 * from `standIns` when given, else stay as their expression text.
 */
function moduleScope(name: string, values: Record<string, unknown> = {}, standIns: Record<string, unknown> = {}): ArmScope {
  const { template, args } = deployment(name);
  const outer = scopeOf(main, { ...mainValues, ...values });
  const passed: Record<string, unknown> = {};
  for (const [param, arg] of Object.entries(args)) {
    try {
      passed[param] = evaluate(arg.value, outer);
    } catch (error) {
      if (!(error instanceof UnevaluableExpression)) throw error;
      passed[param] = param in standIns ? standIns[param] : arg.value;
    }
  }
  return scopeOf(template, passed);
}

/** The resources of a module of a given type. */
function resourcesOfType(name: string, type: string): ArmResource[] {
  return resourcesOf(deployment(name).template).filter((r) => r.type.toLowerCase() === type.toLowerCase());
}

/** Stand-ins for the module outputs the api module receives (only Azure knows the real ones). */
const apiStandIns = {
  storageBlobEndpoint: 'https://stexample.blob.core.windows.net/',
  storageQueueEndpoint: 'https://stexample.queue.core.windows.net/',
  storageTableEndpoint: 'https://stexample.table.core.windows.net/',
  identityClientId: '00000000-0000-0000-0000-000000000000',
  identityResourceId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-api',
  serverFarmResourceId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/serverfarms/plan',
  applicationInsightsConnectionString: 'InstrumentationKey=00000000-0000-0000-0000-000000000000',
};

/** The app settings the compiled template gives the function app for main.bicep parameter `values`. */
function deployedAppSettings(values: Record<string, unknown> = {}): Record<string, string> {
  const [settings] = resourcesOfType('api', 'Microsoft.Web/sites/config').filter((r) => String(r.name).includes("'appsettings'"));
  expect(settings).toBeDefined();
  return evaluate(settings!.properties, moduleScope('api', values, apiStandIns)) as Record<string, string>;
}

/** Every (nested) template of the compiled main template, main first. */
function allTemplates(template: ArmTemplate = main): ArmTemplate[] {
  return [
    template,
    ...resourcesOf(template)
      .filter((r) => r.type === 'Microsoft.Resources/deployments')
      .flatMap((r) => allTemplates(r.properties!.template as ArmTemplate)),
  ];
}

describe('infra: local settings match src/core/config.ts', () => {
  it('the app declares at least the JOBS_* settings this file checks', () => {
    expect(jobsSettingNames.length).toBeGreaterThanOrEqual(10);
  });

  it.each(jobsSettingNames)('%s is in local.settings.example.json with the default of the app schema', (name) => {
    expect(Object.keys(localSettings.Values)).toContain(name);
    const expected = schemaDefaults[name];
    expect(localSettings.Values[name]).toBe(expected === undefined ? '' : settingText(expected));
  });

  it('local.settings.example.json sets no JOBS_* name the app does not read, and uses a connection string locally', () => {
    const known = new Set<string>(jobsSettingNames);
    expect(Object.keys(localSettings.Values).filter((k) => k.startsWith('JOBS_') && !known.has(k))).toEqual([]);
    expect(localSettings.Values.AzureWebJobsStorage).toBe('UseDevelopmentStorage=true');
  });
});

describeCompiled('infra (compiled): app settings match src/core/config.ts', () => {
  it.each(jobsSettingNames)('%s is deployed with the default of the app schema', (name) => {
    const settings = deployedAppSettings();
    expect(Object.keys(settings)).toContain(name);
    const expected = schemaDefaults[name];
    // Optional settings without default (JOBS_PUBLIC_BASE_URL) must be empty: the app treats '' as unset.
    expect(settings[name]).toBe(expected === undefined ? '' : settingText(expected));
  });

  it('passes parameters through: queue, container, retention and public base URL follow main.bicep parameters', () => {
    const settings = deployedAppSettings({
      jobsQueueName: 'work-queue',
      jobsContainerName: 'work-data',
      retentionDays: 3,
      publicBaseUrl: 'https://jobs.example',
    });
    expect(settings).toMatchObject({
      JOBS_QUEUE_NAME: 'work-queue',
      JOBS_CONTAINER_NAME: 'work-data',
      JOBS_RETENTION_DAYS: '3',
      JOBS_PUBLIC_BASE_URL: 'https://jobs.example',
    });
    const config = loadConfig({ ...settings });
    expect(config).toMatchObject({
      queueName: 'work-queue',
      poisonQueueName: 'work-queue-poison',
      containerName: 'work-data',
      retentionDays: 3,
    });
  });

  it('sets no JOBS_* name the app does not read (typos would be silently ignored)', () => {
    const known = new Set<string>(jobsSettingNames);
    expect(Object.keys(deployedAppSettings()).filter((k) => k.startsWith('JOBS_') && !known.has(k))).toEqual([]);
  });

  it('gives the app an identity-based storage configuration that loadConfig accepts', () => {
    const settings = deployedAppSettings();
    expect(settings.AzureWebJobsStorage__credential).toBe('managedidentity');
    expect(settings.AzureWebJobsStorage__clientId).toBe(apiStandIns.identityClientId);
    expect(settings.AzureWebJobsStorage__blobServiceUri).toBe(apiStandIns.storageBlobEndpoint);
    expect(settings.AzureWebJobsStorage__queueServiceUri).toBe(apiStandIns.storageQueueEndpoint);
    expect(settings.AzureWebJobsStorage__tableServiceUri).toBe(apiStandIns.storageTableEndpoint);
    // Every AzureWebJobsStorage__* setting the app declares is provided.
    for (const name of settingNames.filter((n) => n.startsWith('AzureWebJobsStorage__'))) expect(Object.keys(settings)).toContain(name);
    const config = loadConfig(settings);
    expect(config.storage.kind).toBe('identity');
    expect(config.storage).toMatchObject({ clientId: apiStandIns.identityClientId });
    expect(config.queueName).toBe(defaultConfig.queueName);
    expect(config.retentionDays).toBe(defaultConfig.retentionDays);
    // The stand-ins are what main.bicep wires from the modules' outputs.
    const { args } = deployment('api');
    expect(String(args.storageBlobEndpoint!.value)).toMatch(/'storage'\), '[\d-]+'\)\.outputs\.blobEndpoint\.value\]$/);
    expect(String(args.storageQueueEndpoint!.value)).toMatch(/'storage'\), '[\d-]+'\)\.outputs\.queueEndpoint\.value\]$/);
    expect(String(args.storageTableEndpoint!.value)).toMatch(/'storage'\), '[\d-]+'\)\.outputs\.tableEndpoint\.value\]$/);
    expect(String(args.identityClientId!.value)).toMatch(/'apiIdentity'\), '[\d-]+'\)\.outputs\.clientId\.value\]$/);
    const storageOutputs = deployment('storage').template.outputs!;
    expect(storageOutputs.blobEndpoint!.value).toMatch(/\.primaryEndpoints\.blob\]$/);
    expect(storageOutputs.queueEndpoint!.value).toMatch(/\.primaryEndpoints\.queue\]$/);
    expect(storageOutputs.tableEndpoint!.value).toMatch(/\.primaryEndpoints\.table\]$/);
  });

  it('never configures a key-based connection anywhere', () => {
    const text = JSON.stringify(main);
    expect(text).not.toMatch(/AccountKey=|listKeys\(|"AzureWebJobsStorage"/);
    expect(Object.keys(deployedAppSettings())).not.toContain('AzureWebJobsStorage');
  });

  it('sends telemetry with Entra ID (App Insights local auth disabled)', () => {
    const settings = deployedAppSettings();
    expect(settings.APPLICATIONINSIGHTS_CONNECTION_STRING).toBe(apiStandIns.applicationInsightsConnectionString);
    expect(settings.APPLICATIONINSIGHTS_AUTHENTICATION_STRING).toBe(`ClientId=${apiStandIns.identityClientId};Authorization=AAD`);
    const [component] = resourcesOfType('monitoring', 'Microsoft.Insights/components');
    expect(component!.properties).toMatchObject({ DisableLocalAuth: true, Application_Type: 'web' });
  });
});

describeCompiled('infra (compiled): Flex Consumption', () => {
  it('runs on an FC1 (Flex Consumption) Linux plan', () => {
    const [plan] = resourcesOfType('appServicePlan', 'Microsoft.Web/serverfarms');
    expect(plan).toMatchObject({ kind: 'functionapp', sku: { name: 'FC1', tier: 'FlexConsumption' }, properties: { reserved: true } });
    expect(String(deployment('api').args.serverFarmResourceId!.value)).toContain("'appServicePlan'");
  });

  it('configures runtime, scale and the identity-based deployment container in functionAppConfig', () => {
    const scope = moduleScope('api', {}, apiStandIns);
    const [site] = resourcesOfType('api', 'Microsoft.Web/sites');
    expect(site!.kind).toBe('functionapp,linux');
    expect((evaluate(site!.tags, scope) as Record<string, string>)['azd-service-name']).toBe('api');
    const config = evaluate(site!.properties!.functionAppConfig, scope);
    expect(config).toEqual({
      deployment: {
        storage: {
          type: 'blobContainer',
          value: `${apiStandIns.storageBlobEndpoint}${scope.parameters.deploymentContainerName as string}`,
          authentication: { type: 'UserAssignedIdentity', userAssignedIdentityResourceId: apiStandIns.identityResourceId },
        },
      },
      scaleAndConcurrency: { instanceMemoryMB: 2048, maximumInstanceCount: 100 },
      runtime: { name: 'node', version: '22' },
    });
    expect(evaluate(site!.identity, scope)).toEqual({
      type: 'UserAssigned',
      userAssignedIdentities: { [apiStandIns.identityResourceId]: {} },
    });
    expect(site!.properties).toMatchObject({ httpsOnly: true, siteConfig: { minTlsVersion: '1.2', ftpsState: 'Disabled' } });
  });

  it('sets none of the app settings Flex Consumption rejects', () => {
    const settings = Object.keys(deployedAppSettings());
    for (const name of [
      'FUNCTIONS_WORKER_RUNTIME',
      'FUNCTIONS_EXTENSION_VERSION',
      'WEBSITE_RUN_FROM_PACKAGE',
      'WEBSITE_NODE_DEFAULT_VERSION',
      'WEBSITE_CONTENTSHARE',
    ]) {
      expect(settings).not.toContain(name);
      expect(JSON.stringify(main)).not.toContain(`"${name}"`);
    }
  });

  it('allows function timeouts above 10 minutes only because it deploys Flex Consumption', () => {
    const [h, m, s] = (hostJson.functionTimeout ?? '00:30:00').split(':').map(Number);
    const [plan] = resourcesOfType('appServicePlan', 'Microsoft.Web/serverfarms');
    if (h! * 3600 + m! * 60 + s! > 600) expect(plan!.sku).toMatchObject({ name: 'FC1' });
  });
});

describeCompiled('infra (compiled): queues, containers, lifecycle rule and CORS agree with the app', () => {
  const storageScope = () => moduleScope('storage');

  it('creates the job queue and its poison queue under the names the app uses', () => {
    const scope = storageScope();
    expect(scope.parameters.queueNames).toEqual([defaultConfig.queueName, defaultConfig.poisonQueueName]);
    const [queues] = resourcesOfType('storage', 'Microsoft.Storage/storageAccounts/queueServices/queues');
    expect(queues!.copy).toMatchObject({ count: "[length(parameters('queueNames'))]" });
    expect(queues!.name).toBe("[format('{0}/{1}/{2}', parameters('name'), 'default', parameters('queueNames')[copyIndex()])]");
    // Renaming the queue renames its poison queue the way the host does ('<queue>-poison').
    expect(moduleScope('storage', { jobsQueueName: 'work' }).parameters.queueNames).toEqual(['work', 'work-poison']);
  });

  it('creates the job container and the Flex deployment container (the one functionAppConfig names)', () => {
    const names = storageScope().parameters.containerNames as string[];
    expect(names[0]).toBe(defaultConfig.containerName);
    // The deployment container of functionAppConfig is the second one (placeholder for the resource token).
    expect(names[1]).toBe(moduleScope('api').parameters.deploymentContainerName);
    expect(names[1]).toMatch(/^app-package-/);
    expect(deployment('storage').args.containerNames!.value).toEqual([
      "[parameters('jobsContainerName')]",
      "[variables('deploymentContainerName')]",
    ]);
    expect(deployment('api').args.deploymentContainerName!.value).toBe("[variables('deploymentContainerName')]");
    const [containers] = resourcesOfType('storage', 'Microsoft.Storage/storageAccounts/blobServices/containers');
    expect(containers!.copy).toMatchObject({ count: "[length(parameters('containerNames'))]" });
    expect(containers!.properties).toEqual({ publicAccess: 'None' });
  });

  it('expires job blobs after the configured retention, and only in the jobs container', () => {
    const [policy] = resourcesOfType('storage', 'Microsoft.Storage/storageAccounts/managementPolicies');
    const rules = (evaluate(policy!.properties, storageScope()) as { policy: { rules: any[] } }).policy.rules;
    expect(rules).toHaveLength(1);
    expect(rules[0]).toMatchObject({
      enabled: true,
      type: 'Lifecycle',
      definition: {
        filters: { blobTypes: ['blockBlob', 'appendBlob'], prefixMatch: [`${defaultConfig.containerName}/`] },
        actions: { baseBlob: { delete: { daysAfterModificationGreaterThan: defaultConfig.retentionDays } } },
      },
    });
    const custom = (
      evaluate(policy!.properties, moduleScope('storage', { jobsContainerName: 'c2', retentionDays: 2 })) as { policy: { rules: any[] } }
    ).policy.rules[0];
    expect(custom.definition.filters.prefixMatch).toEqual(['c2/']);
    expect(custom.definition.actions.baseBlob.delete.daysAfterModificationGreaterThan).toBe(2);
  });

  it('lets browsers GET/HEAD results from Blob storage (blob CORS), with no blob soft delete', () => {
    const [blobService] = resourcesOfType('storage', 'Microsoft.Storage/storageAccounts/blobServices');
    const props = evaluate(blobService!.properties, storageScope()) as Record<string, any>;
    expect(props.cors.corsRules).toEqual([
      { allowedOrigins: ['*'], allowedMethods: ['GET', 'HEAD'], allowedHeaders: ['*'], exposedHeaders: ['*'], maxAgeInSeconds: 3600 },
    ]);
    expect(props.deleteRetentionPolicy).toEqual({ enabled: false });
  });

  it("sets the API's CORS origins from the comma-separated apiCorsAllowedOrigins parameter (none by default)", () => {
    const [site] = resourcesOfType('api', 'Microsoft.Web/sites');
    const cors = (values: Record<string, unknown>) => evaluate(site!.properties!.siteConfig.cors, moduleScope('api', values, apiStandIns));
    expect(cors({})).toEqual({ allowedOrigins: [], supportCredentials: false });
    expect(cors({ apiCorsAllowedOrigins: 'https://app.example, https://admin.example ,' })).toEqual({
      allowedOrigins: ['https://app.example', 'https://admin.example'],
      supportCredentials: false,
    });
  });

  it('has nothing in host.json that contradicts the infrastructure', () => {
    const routePrefix = hostJson.extensions?.http?.routePrefix ?? 'api';
    expect(routePrefix).toBe(appRoutePrefix);
    expect(JSON.parse(workflowDefinitionText).actions.Submit_job.inputs.uri).toContain(`/${routePrefix}/jobs/`);
    const hostText = JSON.stringify(hostJson);
    expect(hostText).not.toMatch(/queueName|containerName|-poison/);
  });
});

describeCompiled('infra (compiled): storage account hardening', () => {
  it('disables shared key access, public blobs and old TLS', () => {
    const [account] = resourcesOfType('storage', 'Microsoft.Storage/storageAccounts');
    expect(account).toMatchObject({
      kind: 'StorageV2',
      sku: { name: 'Standard_LRS' },
      properties: {
        allowSharedKeyAccess: false,
        defaultToOAuthAuthentication: true,
        allowBlobPublicAccess: false,
        minimumTlsVersion: 'TLS1_2',
        supportsHttpsTrafficOnly: true,
      },
    });
    expect(JSON.stringify(main)).not.toMatch(/"allowSharedKeyAccess":true/);
  });
});

describeCompiled('infra (compiled): no registry modules', () => {
  it('inlines every module (no templateLink, nothing fetched from a registry at deploy time)', () => {
    const deployments = allTemplates().flatMap((t) => resourcesOf(t).filter((r) => r.type === 'Microsoft.Resources/deployments'));
    expect(deployments.length).toBeGreaterThanOrEqual(7);
    for (const d of deployments) {
      expect(d.properties!.templateLink).toBeUndefined();
      expect(d.properties!.template).toBeDefined();
    }
    expect(JSON.stringify(main)).not.toMatch(/mcr\.microsoft\.com|br\/public|avm/i);
  });

  it('documents every linter suppression next to it', () => {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
        const rel = `${dir}/${e.name}`;
        if (e.isDirectory()) walk(rel);
        else if (e.name.endsWith('.bicep')) files.push(rel);
      }
    };
    walk('infra');
    expect(files.length).toBeGreaterThanOrEqual(8);
    for (const file of files) {
      const lines = read(file).split('\n');
      lines.forEach((line, k) => {
        if (/#disable-(next-line|diagnostics)/.test(line)) expect(`${file}:${k + 1} ${lines[k - 1] ?? ''}`).toMatch(/\/\/ \S/);
      });
    }
  });
});

describeCompiled('infra (compiled): App Service authentication and the façade token', () => {
  const authOf = (values: Record<string, unknown>) => {
    const [auth] = resourcesOfType('api', 'Microsoft.Web/sites/config').filter((r) => String(r.name).includes("'authsettingsV2'"));
    expect(auth).toBeDefined();
    return { auth: auth!, scope: moduleScope('api', values, apiStandIns) };
  };

  it('configures no authentication by default, and Entra ID with 401 for anonymous callers when a client ID is given', () => {
    const off = authOf({});
    expect(evaluate(off.auth.condition, off.scope)).toBe(false);
    const clientId = '11111111-2222-3333-4444-555555555555';
    const on = authOf({ apiAuthClientId: clientId });
    expect(evaluate(on.auth.condition, on.scope)).toBe(true);
    expect(on.auth.properties).toMatchObject({
      platform: { enabled: true },
      globalValidation: { requireAuthentication: true, unauthenticatedClientAction: 'Return401' },
      identityProviders: { azureActiveDirectory: { enabled: true } },
    });
    const aad = on.auth.properties!.identityProviders.azureActiveDirectory;
    expect(evaluate(aad.registration.clientId, on.scope)).toBe(clientId);
    expect(aad.registration.openIdIssuer).toBe("[format('{0}{1}/v2.0', environment().authentication.loginEndpoint, tenant().tenantId)]");
    expect(evaluate(aad.validation.allowedAudiences, on.scope)).toEqual([clientId, `api://${clientId}`]);
  });

  const workflowDefinition = (values: Record<string, unknown>) => {
    const [workflow] = resourcesOfType('facade', 'Microsoft.Logic/workflows');
    const scope = moduleScope('facade', values, { apiBaseUrl: 'https://func-api.example' });
    return {
      definition: evaluate(workflow!.properties!.definition, scope) as { actions: Record<string, { inputs: Record<string, unknown> }> },
      parameters: evaluate(workflow!.properties!.parameters, scope) as Record<string, { value: unknown }>,
    };
  };
  const fileDefinition = JSON.parse(workflowDefinitionText) as { actions: Record<string, { inputs: Record<string, unknown> }> };

  it('the façade sends no token when the API has no app registration (no default audience)', () => {
    const { definition, parameters } = workflowDefinition({});
    expect(parameters.apiAudience!.value).toBe('');
    expect(definition.actions.Submit_job!.inputs.authentication).toBeUndefined();
    // Everything else is the definition file unchanged.
    const { authentication, ...rest } = fileDefinition.actions.Submit_job!.inputs;
    expect(authentication).toBeDefined();
    expect(definition.actions.Submit_job!.inputs).toEqual(rest);
    expect({ ...definition, actions: { ...definition.actions, Submit_job: undefined } }).toEqual({
      ...fileDefinition,
      actions: { ...fileDefinition.actions, Submit_job: undefined },
    });
  });

  it("the façade asks its managed identity for a token for the API's app registration when there is one", () => {
    const clientId = '11111111-2222-3333-4444-555555555555';
    const { definition, parameters } = workflowDefinition({ apiAuthClientId: clientId });
    expect(parameters.apiAudience!.value).toBe(clientId);
    expect(parameters.apiBaseUrl!.value).toBe('https://func-api.example');
    expect(definition).toEqual(fileDefinition);
    expect(definition.actions.Submit_job!.inputs.authentication).toEqual({
      type: 'ManagedServiceIdentity',
      audience: "@parameters('apiAudience')",
    });
    // The API's allowed audiences include that client ID.
    expect(deployment('facade').args.apiAudience!.value).toBe("[parameters('apiAuthClientId')]");
    expect(deployment('api').args.authClientId!.value).toBe("[parameters('apiAuthClientId')]");
    expect(String(deployment('facade').args.apiBaseUrl!.value)).toMatch(
      /^\[format\('https:\/\/\{0\}', reference\(.*'api'\), '[\d-]+'\)\.outputs\.defaultHostName\.value\)\]$/,
    );
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

  it('declares every parameter it uses', () => {
    const used = [...workflowDefinitionText.matchAll(/parameters\('(\w+)'\)/g)].map((m) => m[1]!);
    expect(used.length).toBeGreaterThan(0);
    for (const name of used) expect(Object.keys(definition.parameters)).toContain(name);
  });
});

describeCompiled('infra (compiled): role assignments use the documented built-in role IDs', () => {
  // https://learn.microsoft.com/azure/role-based-access-control/built-in-roles (storage, monitor)
  const documented: Record<string, string> = {
    'Storage Blob Data Owner': 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
    'Storage Queue Data Contributor': '974c5e8b-45b9-4653-ba55-5f855dd0fb88',
    'Storage Table Data Contributor': '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3',
    'Monitoring Metrics Publisher': '3913510d-42f4-4e42-8a64-420c390055eb',
  };
  const roleDefinition = (id: string) => `/subscriptions/{subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${id}`;
  const userId = '99999999-0000-0000-0000-000000000000';
  const assignments = (values: Record<string, unknown> = {}) => {
    const scope = moduleScope(
      'rbac',
      { principalId: userId, ...values },
      { storageAccountName: 'stexample', appInsightsName: 'appi-example', appPrincipalId: 'app-principal' },
    );
    return resourcesOfType('rbac', 'Microsoft.Authorization/roleAssignments').map((r) => ({
      deployed: r.condition === undefined ? true : evaluate(r.condition, scope),
      scope: evaluate(r.scope, scope),
      ...(evaluate(r.properties, scope) as { roleDefinitionId: string; principalId: string; principalType: string }),
    }));
  };

  it('uses only documented role IDs', () => {
    const ids = new Set(Object.values(documented));
    const guid = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
    for (const a of assignments()) expect(ids).toContain(a.roleDefinitionId.split('/').pop());
    // No other role GUID anywhere in the compiled infrastructure.
    const text = JSON.stringify(main).replace(/"apiVersion":"[^"]*"/g, '');
    for (const id of text.match(guid) ?? []) expect(ids).toContain(id.toLowerCase());
  });

  it("grants the app's identity the data roles host storage, the queue trigger and telemetry need, at the narrowest scope", () => {
    const app = assignments().filter((a) => a.principalId === 'app-principal');
    const storage = '/subscriptions/{subscriptionId}/resourceGroups/{resourceGroup}/providers/Microsoft.Storage/storageAccounts/stexample';
    const insights = '/subscriptions/{subscriptionId}/resourceGroups/{resourceGroup}/providers/Microsoft.Insights/components/appi-example';
    const expected: [keyof typeof documented, string][] = [
      ['Storage Blob Data Owner', storage],
      ['Storage Queue Data Contributor', storage],
      ['Storage Table Data Contributor', storage],
      ['Monitoring Metrics Publisher', insights],
    ];
    expect(app.map((a) => [a.roleDefinitionId, a.scope, a.principalType, a.deployed]).sort()).toEqual(
      expected.map(([role, scope]) => [roleDefinition(documented[role]!), scope, 'ServicePrincipal', true]).sort(),
    );
    expect(String(deployment('rbac').args.appPrincipalId!.value)).toMatch(/'apiIdentity'\), '[\d-]+'\)\.outputs\.principalId\.value\]$/);
  });

  it("assigns the deploying principal's roles only when principalId is set, with its principalType", () => {
    const user = assignments().filter((a) => a.principalId === userId);
    expect(user.map((a) => a.roleDefinitionId).sort()).toEqual(
      [roleDefinition(documented['Storage Blob Data Owner']!), roleDefinition(documented['Storage Queue Data Contributor']!)].sort(),
    );
    expect(user.every((a) => a.deployed === true && a.principalType === 'User')).toBe(true);
    expect(
      assignments({ principalType: 'ServicePrincipal' })
        .filter((a) => a.principalId === userId)
        .every((a) => a.principalType === 'ServicePrincipal'),
    ).toBe(true);
    expect(
      assignments({ principalId: '' })
        .filter((a) => a.principalId === '')
        .every((a) => a.deployed === false),
    ).toBe(true);
  });
});

describe('azd wiring', () => {
  const azureYaml = read('azure.yaml');
  const parameters = JSON.parse(read('infra/main.parameters.json')).parameters as Record<string, { value: string }>;

  it('deploys the function service "api" from the locally staged package, with no build on the platform', () => {
    const api = /^ {2}api:\n((?: {4}.*\n?)+)/m.exec(azureYaml);
    expect(api).not.toBeNull();
    expect(api![1]).toMatch(/^ {4}host: function\s*$/m);
    expect(api![1]).toMatch(/^ {4}project: \.\s*$/m);
    // infra/hooks/stagePackage.js writes dist/package by default.
    expect(api![1]).toMatch(/^ {4}dist: dist\/package\s*$/m);
    expect(api![1]).toMatch(/^ {4}remoteBuild: false\s*$/m);
    expect(read('infra/hooks/stagePackage.js')).toContain("join(root, 'dist', 'package')");
    const prepackage = /^ {6}prepackage:\n((?: {8}.*\n?)+)/m.exec(api![1]!);
    expect(prepackage).not.toBeNull();
    expect(prepackage![1]!.match(/run: node infra\/hooks\/stagePackage\.js$/gm)).toHaveLength(2); // posix and windows
  });

  it('waits for the new role assignments after provisioning (postprovision hook)', () => {
    const hooks = /^hooks:\n((?: {2}.*\n?|\s*\n)+)/m.exec(azureYaml);
    expect(hooks).not.toBeNull();
    const postprovision = /^ {2}postprovision:\n((?: {4}.*\n?)+)/m.exec(hooks![1]!);
    expect(postprovision).not.toBeNull();
    expect(postprovision![1]!.match(/run: node infra\/hooks\/waitForStorageAccess\.js$/gm)).toHaveLength(2);
    for (const file of ['infra/hooks/waitForStorageAccess.js', 'infra/hooks/stagePackage.js'])
      expect(fs.existsSync(path.join(root, file))).toBe(true);
  });

  it('maps the azd environment into main.bicep parameters, including the principal type (ServicePrincipal in CI)', () => {
    expect(parameters.environmentName?.value).toBe('${AZURE_ENV_NAME}');
    expect(parameters.location?.value).toBe('${AZURE_LOCATION}');
    expect(parameters.principalId?.value).toBe('${AZURE_PRINCIPAL_ID}');
    expect(parameters.principalType?.value).toBe('${AZURE_PRINCIPAL_TYPE=User}');
    expect(parameters.apiAuthClientId?.value).toBe('${AZURE_API_AUTH_CLIENT_ID}');
    expect(parameters.apiCorsAllowedOrigins?.value).toBe('${AZURE_API_CORS_ALLOWED_ORIGINS}');
  });
});

describeCompiled('azd wiring (compiled)', () => {
  it('targets the subscription and maps only parameters main.bicep declares, with values it allows', () => {
    expect(String((main as unknown as { $schema: string }).$schema)).toContain('subscriptionDeploymentTemplate');
    const parameters = JSON.parse(read('infra/main.parameters.json')).parameters as Record<string, { value: string }>;
    for (const name of Object.keys(parameters)) expect(Object.keys(main.parameters!)).toContain(name);
    expect(main.parameters!.principalType!.allowedValues).toEqual(expect.arrayContaining(['User', 'ServicePrincipal']));
  });

  it('exposes the outputs the README and the hooks rely on, none of them a secret or a callback URL', () => {
    expect(Object.keys(main.outputs!)).toEqual(
      expect.arrayContaining([
        'AZURE_LOCATION',
        'AZURE_TENANT_ID',
        'RESOURCE_GROUP',
        'AZURE_FUNCTION_APP_NAME',
        'AZURE_FUNCTION_APP_URL',
        'AZURE_STORAGE_ACCOUNT_NAME',
        'AZURE_STORAGE_BLOB_ENDPOINT',
        'AZURE_STORAGE_QUEUE_ENDPOINT',
        'AZURE_STORAGE_DEPLOYMENT_CONTAINER',
        'LOGIC_APP_NAME',
      ]),
    );
    for (const template of allTemplates()) {
      for (const [name, output] of Object.entries(template.outputs ?? {})) {
        expect(`${name}: ${output.type}`).not.toMatch(/secure/i);
        // list*() functions return keys and signed URLs (listKeys, listCallbackUrl, listAccountSas...).
        expect(`${name}: ${JSON.stringify(output.value)}`).not.toMatch(/\blist\w*\(/i);
      }
    }
    expect(Object.keys(main.outputs!)).not.toContain('LOGIC_APP_TRIGGER_URL');
    expect(evaluate(main.outputs!.AZURE_STORAGE_DEPLOYMENT_CONTAINER!.value, scopeOf(main, mainValues))).toBe(
      moduleScope('api').parameters.deploymentContainerName,
    );
  });
});
