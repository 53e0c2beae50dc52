// Log Analytics workspace + workspace-based Application Insights with local (key) authentication off:
// telemetry is sent with an Entra token (APPLICATIONINSIGHTS_AUTHENTICATION_STRING, see ../app/api.bicep).
// Declared directly (README "Deploy to Azure").

param workspaceName string
param appInsightsName string
param location string = resourceGroup().location
param tags object = {}

@minValue(30)
@maxValue(730)
@description('Days Log Analytics keeps data.')
param dataRetentionDays int = 30

resource workspace 'Microsoft.OperationalInsights/workspaces@2025-07-01' = {
  name: workspaceName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: dataRetentionDays
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: appInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    // Telemetry must be sent with an Entra token, not the key alone.
    DisableLocalAuth: true
    // Do not store caller IP addresses.
    DisableIpMasking: false
  }
}

output workspaceResourceId string = workspace.id
output appInsightsName string = appInsights.name
output appInsightsResourceId string = appInsights.id
// Not a secret: with DisableLocalAuth the instrumentation key alone cannot send telemetry.
output connectionString string = appInsights.properties.ConnectionString
