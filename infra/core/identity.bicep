// User-assigned managed identity of the function app (host storage, job data, deployment package,
// telemetry). Declared directly rather than through an Azure Verified Module: see README "Deploy to Azure".

@description('Identity name.')
param name string

param location string = resourceGroup().location
param tags object = {}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: name
  location: location
  tags: tags
}

output name string = identity.name
output resourceId string = identity.id
@description('Object (principal) ID, for role assignments.')
output principalId string = identity.properties.principalId
@description('Client (application) ID, selects this identity in AzureWebJobsStorage__clientId and DefaultAzureCredential.')
output clientId string = identity.properties.clientId
