// The job API: a Flex Consumption function app (Linux, Node 22) that runs as a user-assigned identity.
// All storage access is identity-based: https://learn.microsoft.com/azure/azure-functions/functions-reference#connecting-to-host-storage-with-an-identity
// Declared directly rather than through an Azure Verified Module: see README "Deploy to Azure".

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

@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Origins a browser front end may call the API from (App Service CORS). Empty = no cross-origin browser access.')
param corsAllowedOrigins string[] = []

@description('Client ID of the Microsoft Entra app registration that protects the API (App Service authentication). Empty = no authentication in front of the API.')
param authClientId string = ''

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
// https://learn.microsoft.com/azure/azure-functions/functions-app-settings#flex-consumption-plan-deprecations
resource site 'Microsoft.Web/sites@2025-03-01' = {
  name: name
  location: location
  kind: 'functionapp,linux'
  tags: union(tags, {
    'azd-service-name': 'api'
  })
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityResourceId}': {}
    }
  }
  properties: {
    serverFarmId: serverFarmResourceId
    httpsOnly: true
    // Stateless API: no ARR affinity cookie.
    clientAffinityEnabled: false
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
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      // Platform CORS: answers preflights and adds Access-Control-Allow-Origin for these origins.
      cors: {
        allowedOrigins: corsAllowedOrigins
        supportCredentials: false
      }
    }
  }
}

resource siteAppSettings 'Microsoft.Web/sites/config@2025-03-01' = {
  parent: site
  name: 'appsettings'
  properties: union(appSettings, hostStorageSettings, monitoringSettings)
}

// App Service authentication ("Easy Auth") with Microsoft Entra ID, only when an app registration is
// given: every request needs a bearer token for that registration (401 otherwise), and the platform
// passes the caller to the app in x-ms-client-principal (src/http/caller.ts), which scopes jobs and
// Idempotency-Keys per owner. Tokens are accepted for the client ID itself (what a managed identity
// such as the Logic Apps façade requests) and for its api:// App ID URI.
// https://learn.microsoft.com/azure/app-service/configure-authentication-provider-aad
resource siteAuth 'Microsoft.Web/sites/config@2025-03-01' = if (!empty(authClientId)) {
  parent: site
  name: 'authsettingsV2'
  properties: {
    platform: {
      enabled: true
    }
    globalValidation: {
      requireAuthentication: true
      unauthenticatedClientAction: 'Return401'
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          clientId: authClientId
          openIdIssuer: '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'
        }
        validation: {
          allowedAudiences: [
            authClientId
            'api://${authClientId}'
          ]
        }
      }
    }
    login: {
      tokenStore: {
        enabled: false
      }
    }
  }
}

output name string = site.name
output resourceId string = site.id
output defaultHostName string = site.properties.defaultHostName
