// Asynchronous Request-Reply on Azure Functions: Flex Consumption app + one storage account
// (host storage, job queue, job blobs, deployment package) + monitoring + a Logic Apps façade.
// Azure Verified Modules are pinned to versions checked against Azure/bicep-registry-modules tags.
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

@description('Token audience the Logic Apps façade requests for the API. Set it to the Easy Auth App ID URI (api://<client-id>) when Easy Auth protects the API.')
param facadeApiAudience string = 'https://management.azure.com/'

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

// Every JOBS_* setting read by src/core/config.ts, with its default, so it is visible and tunable in the portal.
// test/unit/infraConsistency.test.ts checks these names and values against the app's schema.
var jobsAppSettings = {
  JOBS_QUEUE_NAME: jobsQueueName
  JOBS_CONTAINER_NAME: jobsContainerName
  JOBS_MAX_INPUT_BYTES: '104857600'
  JOBS_RESULT_SAS_TTL_SECONDS: '600'
  JOBS_RETRY_AFTER_SECONDS: '2'
  JOBS_MAX_RETRY_AFTER_SECONDS: '30'
  JOBS_PROGRESS_INTERVAL_MS: '1000'
  JOBS_PUBLIC_BASE_URL: publicBaseUrl
  JOBS_TRUST_FORWARDED_HEADERS: 'false'
  JOBS_RETENTION_DAYS: string(retentionDays)
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
module apiIdentity 'br/public:avm/res/managed-identity/user-assigned-identity:0.6.0' = {
  name: 'apiIdentity'
  scope: rg
  params: {
    name: '${abbrs.managedIdentityUserAssignedIdentities}api-${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'br/public:avm/res/storage/storage-account:0.33.0' = {
  name: 'storage'
  scope: rg
  params: {
    name: storageAccountName
    location: location
    tags: tags
    kind: 'StorageV2'
    // Job data is transient and re-creatable: no geo-replication.
    skuName: 'Standard_LRS'
    // Entra ID only: the app signs result URLs with a user delegation key, never an account key.
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowBlobPublicAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    // The AVM default is a deny-all firewall; the app (no VNet) and browsers following SAS URLs need the public endpoint.
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
    blobServices: {
      containers: [
        {
          name: jobsContainerName
          publicAccess: 'None'
        }
        {
          name: deploymentContainerName
          publicAccess: 'None'
        }
      ]
      // Browsers download results straight from Blob storage through the SAS URL the API redirects to.
      corsRules: [
        {
          allowedOrigins: blobCorsAllowedOrigins
          allowedMethods: [
            'GET'
            'HEAD'
          ]
          allowedHeaders: [
            '*'
          ]
          exposedHeaders: [
            '*'
          ]
          maxAgeInSeconds: 3600
        }
      ]
      // DELETE /api/jobs/{id} and the retention rule must really remove job data, so no blob soft delete;
      // container soft delete still guards against deleting a whole container by mistake.
      deleteRetentionPolicyEnabled: false
      containerDeleteRetentionPolicyEnabled: true
      containerDeleteRetentionPolicyDays: 7
    }
    queueServices: {
      queues: [
        {
          name: jobsQueueName
        }
        {
          name: jobsPoisonQueueName
        }
      ]
    }
    // Safety net behind the app's own retention: lifecycle rules run about once a day, so blobs may
    // outlive retentionDays by up to a day. The prefix ends with '/' so only the jobs container matches.
    managementPolicyRules: [
      {
        name: 'delete-expired-jobs'
        enabled: true
        type: 'Lifecycle'
        definition: {
          filters: {
            blobTypes: [
              'blockBlob'
              'appendBlob'
            ]
            prefixMatch: [
              '${jobsContainerName}/'
            ]
          }
          actions: {
            baseBlob: {
              delete: {
                daysAfterModificationGreaterThan: retentionDays
              }
            }
          }
        }
      }
    ]
  }
}

module logAnalytics 'br/public:avm/res/operational-insights/workspace:0.16.1' = {
  name: 'logAnalytics'
  scope: rg
  params: {
    name: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    location: location
    tags: tags
    dataRetention: 30
  }
}

module appInsights 'br/public:avm/res/insights/component:0.8.0' = {
  name: 'appInsights'
  scope: rg
  params: {
    name: '${abbrs.insightsComponents}${resourceToken}'
    location: location
    tags: tags
    kind: 'web'
    applicationType: 'web'
    workspaceResourceId: logAnalytics.outputs.resourceId
    // Telemetry must be sent with an Entra token (APPLICATIONINSIGHTS_AUTHENTICATION_STRING), not the key alone.
    disableLocalAuth: true
    // Do not store caller IP addresses.
    disableIpMasking: false
  }
}

module appServicePlan 'br/public:avm/res/web/serverfarm:0.7.0' = {
  name: 'appServicePlan'
  scope: rg
  params: {
    name: '${abbrs.webServerFarms}${resourceToken}'
    location: location
    tags: tags
    kind: 'functionapp'
    skuName: 'FC1'
    // Flex Consumption is Linux-only.
    reserved: true
    zoneRedundant: false
  }
}

module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    appInsightsName: appInsights.outputs.name
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
    storageBlobEndpoint: storage.outputs.serviceEndpoints.blob
    storageQueueEndpoint: storage.outputs.serviceEndpoints.queue
    storageTableEndpoint: storage.outputs.serviceEndpoints.table
    deploymentContainerName: deploymentContainerName
    applicationInsightsConnectionString: appInsights.outputs.connectionString
    appSettings: jobsAppSettings
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
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
    apiAudience: facadeApiAudience
  }
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output RESOURCE_GROUP string = rg.name
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = api.outputs.name
output AZURE_FUNCTION_APP_URL string = 'https://${api.outputs.defaultHostName}'
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_STORAGE_BLOB_ENDPOINT string = storage.outputs.serviceEndpoints.blob
output AZURE_STORAGE_QUEUE_ENDPOINT string = storage.outputs.serviceEndpoints.queue
output LOGIC_APP_NAME string = facade.outputs.name
// Signed URL (anyone holding it can start the workflow); azd keeps it in the git-ignored .azure/<env>/.env.
// Replace the literal {type} segment with a job type, e.g. .../paths/invoke/csv-report?...
output LOGIC_APP_TRIGGER_URL string = facade.outputs.triggerUrl
