// The job API: a Flex Consumption function app (Linux, Node 22) that runs as a user-assigned identity.
// All storage access is identity-based: https://learn.microsoft.com/azure/azure-functions/functions-reference#connecting-to-host-storage-with-an-identity

@description('Function app name.')
param name string

param location string = resourceGroup().location
param tags object = {}

@description('Resource ID of the Flex Consumption (FC1) plan.')
param serverFarmResourceId string

@description('Resource ID of the app\'s user-assigned managed identity.')
param identityResourceId string

@description('Client ID of that identity (selects it for host storage, the SDK clients and telemetry).')
param identityClientId string

@description('Primary endpoints of the storage account, e.g. https://<account>.blob.core.windows.net/')
param storageBlobEndpoint string
param storageQueueEndpoint string
param storageTableEndpoint string

@description('Blob container holding the deployment package.')
param deploymentContainerName string

param applicationInsightsConnectionString string

@description('App settings of the application itself (JOBS_*).')
param appSettings object = {}

param instanceMemoryMB int = 2048
param maximumInstanceCount int = 100

// Host and app share the AzureWebJobsStorage connection (src/core/config.ts). No account key: the
// account has allowSharedKeyAccess=false. tableServiceUri lets the host persist diagnostic events.
var hostStorageSettings = {
  AzureWebJobsStorage__blobServiceUri: storageBlobEndpoint
  AzureWebJobsStorage__queueServiceUri: storageQueueEndpoint
  AzureWebJobsStorage__tableServiceUri: storageTableEndpoint
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
}

// App Insights has local auth disabled, so telemetry is sent with an Entra token of the identity
// (it holds Monitoring Metrics Publisher on the component, see rbac.bicep).
var monitoringSettings = {
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
}

// Flex Consumption rejects FUNCTIONS_WORKER_RUNTIME, FUNCTIONS_EXTENSION_VERSION, WEBSITE_RUN_FROM_PACKAGE
// and similar settings: runtime and package location live in functionAppConfig instead.
module functionApp 'br/public:avm/res/web/site:0.24.0' = {
  name: 'functionApp'
  params: {
    name: name
    location: location
    kind: 'functionapp,linux'
    tags: union(tags, {
      'azd-service-name': 'api'
    })
    serverFarmResourceId: serverFarmResourceId
    httpsOnly: true
    // Stateless API: no ARR affinity cookie.
    clientAffinityEnabled: false
    managedIdentities: {
      userAssignedResourceIds: [
        identityResourceId
      ]
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storageBlobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityResourceId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
      runtime: {
        name: 'node'
        version: '22'
      }
    }
    siteConfig: {
      // Not applicable to Flex Consumption (the module default is true).
      alwaysOn: false
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
    }
    configs: [
      {
        name: 'appsettings'
        properties: union(appSettings, hostStorageSettings, monitoringSettings)
      }
    ]
  }
}

output name string = functionApp.outputs.name
output resourceId string = functionApp.outputs.resourceId
output defaultHostName string = functionApp.outputs.defaultHostname
