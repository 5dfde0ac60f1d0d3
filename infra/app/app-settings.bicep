// Every app setting of one Function App: the config's (from the plan: fixed values, azd
// environment values, Key Vault references), the ones the runtime needs from the infrastructure
// (src/functions/app-settings.ts) and the app's place in the deployment (its role, the other
// app's URL). Deployed by main.bicep once per planned app, after every site exists: see there why.
@description('The site these settings belong to (function-app.bicep).')
param siteName string
@description('plan.apps[].role: stateful (one instance, holds the serving lease) or stateless (scales out).')
@allowed([
  'stateful'
  'stateless'
])
param role string
@description('https base URL of the deployment\'s other app (mixed plans); empty when this is the only app.')
param otherAppUrl string = ''
@description('plan.apps[].scale.sessionsPerInstance: the per-instance session cap of this app.')
param sessionsPerInstance int
param identityClientId string
param storageAccountName string
param applicationInsightsConnectionString string
@description('Key Vault URI, ending with /.')
param keyVaultUri string
param sessionKeySecretName string
@description('plan.appSettings: [{ name, source: fixed | azd_env | key_vault, value | azdEnvName | secretName }]')
param appSettings array
@description('Plain setting values keyed by azd environment variable name.')
param settingValues object
@description('Base64 of the JSON of what was provisioned from the plan (main.bicep); the same value as the output MCP_PROVISIONED_PLAN.')
param provisionedPlan string
@description('Client id of the On-Behalf-Of app registration; empty when no server uses azure_obo.')
param oboClientId string = ''
@description('Identifier URI (api://...) of the OBO app registration: the audience of v1 tokens, the prefix of the scopes clients request.')
param oboIdentifierUri string = ''

// The config's settings, by source. A value missing from settingValues fails the deployment,
// naming the variable (the preprovision hook should have caught it).
var fixedSettings = toObject(filter(appSettings, setting => setting.source == 'fixed'), setting => setting.name, setting => setting.value)
var azdEnvSettings = toObject(filter(appSettings, setting => setting.source == 'azd_env'), setting => setting.name, setting => string(settingValues[setting.azdEnvName]))
var keyVaultSettings = toObject(filter(appSettings, setting => setting.source == 'key_vault'), setting => setting.name, setting => '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/${setting.secretName})')

// The settings the runtime reads from the infrastructure (RUNTIME_APP_SETTINGS, setBy 'bicep').
// Flex Consumption sets the runtime in functionAppConfig: no FUNCTIONS_WORKER_RUNTIME here.
var infrastructureSettings = {
  AzureWebJobsStorage__accountName: storageAccountName
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD;ClientId=${identityClientId}'
  MCP_ADAPTER_APP_ROLE: role
  MCP_ADAPTER_MAX_SESSIONS: string(sessionsPerInstance)
  MCP_ADAPTER_IDENTITY_CLIENT_ID: identityClientId
  MCP_ADAPTER_SESSION_KEY: '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/${sessionKeySecretName})'
  MCP_ADAPTER_STORAGE_ACCOUNT: storageAccountName
  MCP_ADAPTER_TENANT_ID: tenant().tenantId
  MCP_ADAPTER_PROVISIONED_PLAN: provisionedPlan
}
// Mixed plans only: the app answers a request for a server the other app serves with a 404 that
// names the right endpoint.
var otherAppSettings = empty(otherAppUrl) ? {} : {
  MCP_ADAPTER_OTHER_APP_URL: otherAppUrl
}
var oboSettings = empty(oboClientId) ? {} : {
  MCP_ADAPTER_OBO_CLIENT_ID: oboClientId
  MCP_ADAPTER_OBO_IDENTIFIER_URI: oboIdentifierUri
}
// The plan cannot name platform or MCP_ADAPTER_* settings, so nothing here overrides the config.
var allSettings = union(fixedSettings, azdEnvSettings, keyVaultSettings, infrastructureSettings, otherAppSettings, oboSettings)

resource site 'Microsoft.Web/sites@2024-11-01' existing = {
  name: siteName
}

resource siteSettings 'Microsoft.Web/sites/config@2024-11-01' = {
  parent: site
  name: 'appsettings'
  properties: allSettings
}
