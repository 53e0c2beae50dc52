// Asynchronous Request-Reply on Azure Functions: Flex Consumption app + one storage account
// (host storage, job queue, job blobs, deployment package) + monitoring + a Logic Apps façade.
// Every resource is declared in this repository (./core, ./app), not pulled from the public Bicep
// registry, so `bicep build`/`bicep lint` run offline and azd deploys exactly what CI compiled
// (README "Deploy to Azure"). `npm run infra:check` compiles and lints it.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; seeds the unique resource names and the azd-env-name tag.')
param environmentName string

@minLength(1)
@description('Region for every resource. Must offer the Flex Consumption plan (az functionapp list-flexconsumption-locations).')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Object ID of the deploying user (AZURE_PRINCIPAL_ID). Gets data roles to inspect jobs; leave empty to skip.')
param principalId string = ''

@allowed([
  'User'
  'ServicePrincipal'
  'Group'
])
@description('Principal type of principalId (ServicePrincipal when azd runs in CI).')
param principalType string = 'User'

@minValue(1)
@maxValue(365)
@description('Days jobs, inputs and results are kept: feeds JOBS_RETENTION_DAYS and the blob lifecycle rule.')
param retentionDays int = 7

@description('Queue the submit function writes to and the processor is triggered by (JOBS_QUEUE_NAME).')
param jobsQueueName string = 'jobs'

@description('Blob container for status documents, inputs and results (JOBS_CONTAINER_NAME).')
param jobsContainerName string = 'jobs'

@description('Public origin used in Location URLs, e.g. behind a gateway (JOBS_PUBLIC_BASE_URL). Empty = the request host.')
param publicBaseUrl string = ''

@description('Origins allowed to download results from Blob storage through SAS URLs (browser CORS).')
param blobCorsAllowedOrigins array = [
  '*'
]

@description('Client ID of a Microsoft Entra app registration that protects the API with App Service authentication (AZURE_API_AUTH_CLIENT_ID). Empty = the API is anonymous and the Logic Apps façade sends no token.')
param apiAuthClientId string = ''

@description('Comma-separated origins a browser front end may call the API from (AZURE_API_CORS_ALLOWED_ORIGINS), e.g. https://app.contoso.com. Empty = no cross-origin access.')
param apiCorsAllowedOrigins string = ''

@description('Flex Consumption instance memory in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@minValue(1)
@maxValue(1000)
@description('Upper bound for Flex Consumption scale-out.')
param maximumInstanceCount int = 100

var abbrs = loadJsonContent('./abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}

var functionAppName = '${abbrs.webSitesFunctions}api-${resourceToken}'
var storageAccountName = '${abbrs.storageStorageAccounts}${resourceToken}'
var deploymentContainerName = 'app-package-${resourceToken}'
// The queue trigger moves messages that keep failing to '<queue>-poison' (src/core/config.ts poisonQueueName).
var jobsPoisonQueueName = '${jobsQueueName}-poison'
var apiCorsOrigins = filter(map(split(apiCorsAllowedOrigins, ','), origin => trim(origin)), origin => !empty(origin))

// Every JOBS_* setting read by src/core/config.ts, with its default, so it is visible and tunable in the portal.
// test/unit/infraConsistency.test.ts checks these names and values against the app's schema.
var jobsAppSettings = {
  JOBS_QUEUE_NAME: jobsQueueName
  JOBS_CONTAINER_NAME: jobsContainerName
  JOBS_MAX_INPUT_BYTES: '104857600'
  JOBS_RESULT_SAS_TTL_SECONDS: '600'
  JOBS_RETRY_AFTER_SECONDS: '1'
  JOBS_MAX_RETRY_AFTER_SECONDS: '30'
  JOBS_PROGRESS_INTERVAL_MS: '1000'
  JOBS_PUBLIC_BASE_URL: publicBaseUrl
  JOBS_TRUST_FORWARDED_HEADERS: 'false'
  JOBS_RETENTION_DAYS: string(retentionDays)
  JOBS_SUBMIT_DEADLINE_MS: '10000'
  JOBS_STUCK_AFTER_SECONDS: '900'
  // The blob lifecycle rule enforces retention in Azure; the local sweep function is not needed here.
  'AzureWebJobs.sweepExpiredJobs.Disabled': 'true'
}

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: '${abbrs.resourcesResourceGroups}${environmentName}'
  location: location
  tags: tags
}

// One identity for the app: host storage, job data, deployment package and telemetry all use it,
// so there is no account key or instrumentation key anywhere.
module apiIdentity 'core/identity.bicep' = {
  name: 'apiIdentity'
  scope: rg
  params: {
    name: '${abbrs.managedIdentityUserAssignedIdentities}api-${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'core/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: storageAccountName
    location: location
    tags: tags
    containerNames: [
      jobsContainerName
      deploymentContainerName
    ]
    queueNames: [
      jobsQueueName
      jobsPoisonQueueName
    ]
    blobCorsAllowedOrigins: blobCorsAllowedOrigins
    retentionContainerName: jobsContainerName
    retentionDays: retentionDays
  }
}

module monitoring 'core/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    workspaceName: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    appInsightsName: '${abbrs.insightsComponents}${resourceToken}'
    location: location
    tags: tags
    dataRetentionDays: 30
  }
}

module appServicePlan 'core/plan.bicep' = {
  name: 'appServicePlan'
  scope: rg
  params: {
    name: '${abbrs.webServerFarms}${resourceToken}'
    location: location
    tags: tags
  }
}

module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    appInsightsName: monitoring.outputs.appInsightsName
    appPrincipalId: apiIdentity.outputs.principalId
    userPrincipalId: principalId
    userPrincipalType: principalType
  }
}

module api 'app/api.bicep' = {
  name: 'api'
  scope: rg
  params: {
    name: functionAppName
    location: location
    tags: tags
    serverFarmResourceId: appServicePlan.outputs.resourceId
    identityResourceId: apiIdentity.outputs.resourceId
    identityClientId: apiIdentity.outputs.clientId
    storageBlobEndpoint: storage.outputs.blobEndpoint
    storageQueueEndpoint: storage.outputs.queueEndpoint
    storageTableEndpoint: storage.outputs.tableEndpoint
    deploymentContainerName: deploymentContainerName
    applicationInsightsConnectionString: monitoring.outputs.connectionString
    appSettings: jobsAppSettings
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    corsAllowedOrigins: apiCorsOrigins
    authClientId: apiAuthClientId
  }
  // Start the host only once its identity can reach storage; fewer failed cold starts on first deploy.
  dependsOn: [
    rbac
  ]
}

module facade 'app/facade.bicep' = {
  name: 'facade'
  scope: rg
  params: {
    name: '${abbrs.logicWorkflows}facade-${resourceToken}'
    location: location
    tags: tags
    apiBaseUrl: 'https://${api.outputs.defaultHostName}'
    // The façade's managed identity asks a token for the API's app registration (if any).
    apiAudience: apiAuthClientId
  }
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output RESOURCE_GROUP string = rg.name
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = api.outputs.name
output AZURE_FUNCTION_APP_URL string = 'https://${api.outputs.defaultHostName}'
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_STORAGE_BLOB_ENDPOINT string = storage.outputs.blobEndpoint
output AZURE_STORAGE_QUEUE_ENDPOINT string = storage.outputs.queueEndpoint
// Read by the postprovision hook (infra/hooks/waitForStorageAccess.js) that waits for the role assignments.
output AZURE_STORAGE_DEPLOYMENT_CONTAINER string = deploymentContainerName
output LOGIC_APP_NAME string = facade.outputs.name
// No trigger URL output: it is a SAS credential (README "Deploy to Azure" shows how to fetch it).
