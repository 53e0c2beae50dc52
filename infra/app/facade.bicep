// Logic Apps (Consumption) façade: one synchronous call in, the asynchronous job API behind it.
//
// POST <trigger URL with /paths/invoke/{type}> with the job input as body
//   -> HTTP action POST {apiBaseUrl}/api/jobs/{type}?onPending=accepted&onComplete=stream
//      with Logic Apps' asynchronous pattern ON (the default: it follows Location while the API answers
//      202, waiting Retry-After seconds; any non-202 ends polling, a 3xx would fail the action - hence
//      onComplete=stream, which ends with 200 + the result bytes)
//   -> Response with the API's status, Content-Type and body, or application/problem+json 4xx/502/504.
//
// Time limit: a Request trigger must be answered within about 2 minutes (120 s inbound request limit
// of multi-tenant Logic Apps); the caller gets 504 otherwise. The HTTP action therefore times out at
// PT100S, leaving time for the problem response. Longer jobs should use the job API directly.
// Size limit: Logic Apps messages are limited to 100 MB; large results are better fetched from the
// API's SAS redirect than streamed through the façade.
//
// The workflow definition lives in ../logic/workflow.definition.json (plain Workflow Definition
// Language, read by the unit tests), so this file only binds its parameters.

param name string
param location string = resourceGroup().location
param tags object = {}

@description('Origin of the job API, https://<function app default host name>.')
param apiBaseUrl string

@description('Audience of the managed identity token the HTTP action sends to the API.')
param apiAudience string

// System-assigned identity: it only authenticates the façade to the API and holds no Azure roles, so
// it is kept separate from the app's identity (which can read and write all job data).
resource workflow 'Microsoft.Logic/workflows@2019-05-01' = {
  name: name
  location: location
  tags: tags
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    state: 'Enabled'
    definition: loadJsonContent('../logic/workflow.definition.json')
    parameters: {
      apiBaseUrl: {
        value: apiBaseUrl
      }
      apiAudience: {
        value: apiAudience
      }
    }
  }
}

output name string = workflow.name
output resourceId string = workflow.id

// The callback URL carries a SAS signature: whoever has it can start the workflow. It is an output so
// azd can show it; in locked-down environments remove it and fetch it on demand instead
// (POST .../workflows/<name>/triggers/manual/listCallbackUrl?api-version=2019-05-01).
#disable-next-line outputs-should-not-contain-secrets
output triggerUrl string = listCallbackUrl('${workflow.id}/triggers/manual', '2019-05-01').value
