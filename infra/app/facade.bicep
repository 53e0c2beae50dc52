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

@description('Audience of the managed identity token the HTTP action sends to the API: the client ID of the API\'s app registration when App Service authentication protects it. Empty = the action sends no token.')
param apiAudience string = ''

var definition = loadJsonContent('../logic/workflow.definition.json')

// The definition file authenticates Submit_job with the workflow's managed identity for
// @parameters('apiAudience'). Without an audience there is nothing to ask a token for, so the deployed
// definition drops `authentication` from that action's inputs (rebuilt key by key, which does not
// depend on how union() merges nested objects).
var submitJob = definition.actions.Submit_job
var submitJobAnonymous = toObject(
  items(submitJob),
  entry => entry.key,
  entry => entry.key == 'inputs' ? toObject(filter(items(submitJob.inputs), input => input.key != 'authentication'), input => input.key, input => input.value) : entry.value
)
var definitionAnonymous = toObject(
  items(definition),
  entry => entry.key,
  entry => entry.key == 'actions' ? toObject(items(definition.actions), action => action.key, action => action.key == 'Submit_job' ? submitJobAnonymous : action.value) : entry.value
)

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
    definition: empty(apiAudience) ? definitionAnonymous : definition
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
// No callback URL output: it carries a SAS signature, and deployment outputs are readable by anyone with
// Reader on the resource group and copied by azd into .azure/<env>/.env. Operators fetch it on demand
// (listCallbackUrl, see README "Deploy to Azure").
