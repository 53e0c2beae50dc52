// One storage account for host storage (AzureWebJobsStorage), the job queue and its poison queue, the
// job container and the Flex Consumption deployment package. Entra ID only: no account key is ever
// used (the app signs result URLs with a user delegation key). Declared directly (README "Deploy to Azure").

@minLength(3)
@maxLength(24)
param name string
param location string = resourceGroup().location
param tags object = {}

@description('Blob containers to create (job data, deployment package).')
param containerNames string[]

@description('Queues to create (job queue and its poison queue).')
param queueNames string[]

@description('Origins allowed to GET/HEAD blobs from a browser (result downloads through SAS URLs).')
param blobCorsAllowedOrigins string[]

@description('Container whose blobs the lifecycle rule deletes.')
param retentionContainerName string

@minValue(1)
@description('Days after the last modification when the lifecycle rule deletes a blob of retentionContainerName.')
param retentionDays int

resource account 'Microsoft.Storage/storageAccounts@2025-06-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  // Job data is transient and re-creatable: no geo-replication.
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    accessTier: 'Hot'
    // Entra ID only: the app signs result URLs with a user delegation key, never an account key.
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    // The app (no VNet) and browsers following SAS URLs need the public endpoint.
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2025-06-01' = {
  parent: account
  name: 'default'
  properties: {
    // Browsers download results straight from Blob storage through the SAS URL the API redirects to.
    cors: {
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
    }
    // DELETE /api/jobs/{id} and the retention rule must really remove job data, so no blob soft delete;
    // container soft delete still guards against deleting a whole container by mistake.
    deleteRetentionPolicy: {
      enabled: false
    }
    containerDeleteRetentionPolicy: {
      enabled: true
      days: 7
    }
  }
}

resource containers 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-06-01' = [
  for containerName in containerNames: {
    parent: blobService
    name: containerName
    properties: {
      publicAccess: 'None'
    }
  }
]

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2025-06-01' = {
  parent: account
  name: 'default'
}

resource queues 'Microsoft.Storage/storageAccounts/queueServices/queues@2025-06-01' = [
  for queueName in queueNames: {
    parent: queueService
    name: queueName
  }
]

// Safety net behind the app's own retention: lifecycle rules run about once a day, so blobs may
// outlive retentionDays by up to a day. The prefix ends with '/' so only that container matches.
resource lifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2025-06-01' = {
  parent: account
  name: 'default'
  properties: {
    policy: {
      rules: [
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
                '${retentionContainerName}/'
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
  // A rule may only name a container that exists.
  dependsOn: [
    containers
  ]
}

output name string = account.name
output resourceId string = account.id
output blobEndpoint string = account.properties.primaryEndpoints.blob
output queueEndpoint string = account.properties.primaryEndpoints.queue
output tableEndpoint string = account.properties.primaryEndpoints.table
