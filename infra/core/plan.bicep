// Flex Consumption (FC1) plan: Linux only, so reserved=true. Declared directly (README "Deploy to Azure").
// https://learn.microsoft.com/azure/azure-functions/flex-consumption-how-to

param name string
param location string = resourceGroup().location
param tags object = {}

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: name
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
    zoneRedundant: false
  }
}

output name string = plan.name
output resourceId string = plan.id
