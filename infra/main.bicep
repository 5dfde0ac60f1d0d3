// Infrastructure for the MCP STDIO adapter on Azure Functions (Flex Consumption, Node.js 22).
//
// Read top-down: parameters (from the azd environment, see main.parameters.json), the deployment
// plan derived from the config, names, then one module per concern (the Function Apps last: one
// per planned app, one or two), then the outputs azd stores in the environment. The plan (infra/mcp-plan.json) is written by the azd `preprovision` hook
// (`mcp-stdio-adapter plan --json`) before every provision; the committed copy is the plan of the
// bundled mcp_config.json, and a test keeps it in step.
targetScope = 'subscription'

// ---------------------------------------------------------------------------------------------
// Parameters
// ---------------------------------------------------------------------------------------------

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; names the resource group and seeds the unique resource names.')
param environmentName string

@minLength(1)
@description('Region for every resource. Choose one that offers Flex Consumption (az functionapp list-flexconsumption-locations).')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Object id of whoever runs azd (a user locally, a service principal in CI). Granted access to the Key Vault secrets and the storage data; empty to skip.')
param principalId string = ''

@description('Type of principalId (User or ServicePrincipal); empty lets Azure work it out.')
param principalType string = ''

// Defaults below: azd resolves every parameter before any hook runs (and `--no-prompt` fails on a
// parameter without a value), so the values the preprovision hook writes must be optional here.
@description('Plain values of the config\'s settings: a JSON object keyed by azd environment variable name, or the same JSON base64-encoded (what the preprovision hook writes); empty means none.')
param mcpSettingValues string = ''

@secure()
@description('Values of the config\'s secrets: a JSON object keyed by azd environment variable name, or the same JSON base64-encoded (what the preprovision hook writes); empty means none.')
param mcpSecretValues string = ''

@secure()
@description('Key material for the adapter\'s tamper-proof session state. Stored in Key Vault only. Taken from MCP_ADAPTER_SESSION_KEY when set; otherwise azd generates it once per environment and keeps it in the environment\'s config.')
@metadata({
  azd: {
    type: 'generate'
    config: {
      length: 64
      noSpecial: true
    }
  }
})
param sessionKey string

@description('Put the function app in a virtual network and reach storage and Key Vault through private endpoints only.')
param vnetEnabled bool = false

@description('When a server uses azure_obo: create the Entra app registration (needs permission to create applications in the tenant). Set false and pass existingOboClientId to use an app you manage yourself.')
param createEntraApp bool = true

@description('Caller scopes (values) removed from the config since the last provision. Microsoft Graph refuses to update or delete a scope that is still enabled, so each stays on the app registration, disabled, for one more deployment; a value the config still requires stays enabled.')
param retiredCallerScopes array = []

@description('App roles (values) removed from the config since the last provision: kept on the app registration, disabled, for one more deployment (Microsoft Graph refuses to delete an enabled app role); a value the config still names stays enabled.')
param retiredAppRoles array = []

@description('Client id of an existing Entra app registration for On-Behalf-Of. Used instead of creating one; that app needs a federated credential trusting the output AZURE_FUNCTION_IDENTITY_PRINCIPAL_ID (issuer <login endpoint><tenant>/v2.0, audience api://AzureADTokenExchange).')
param existingOboClientId string = ''

// ---------------------------------------------------------------------------------------------
// The deployment plan (derived from the config by src/deployment/plan.ts) and names
// ---------------------------------------------------------------------------------------------

var plan = loadJsonContent('mcp-plan.json')
var abbrs = loadJsonContent('abbreviations.json')

// The hook base64-encodes the JSON so that quotes survive azd's substitution into the parameters file.
var settingValues = empty(mcpSettingValues) ? {} : startsWith(mcpSettingValues, '{') ? json(mcpSettingValues) : json(base64ToString(mcpSettingValues))
// What this deployment provisions from the plan, recorded as the output MCP_PROVISIONED_PLAN (azd
// keeps it in the environment) and the app setting MCP_ADAPTER_PROVISIONED_PLAN: base64 of the JSON.
var provisionedPlan = base64(string({
  planVersion: plan.planVersion
  appSettings: plan.appSettings
  secrets: plan.secrets
  roleAssignments: plan.roleAssignments
  identity: plan.identity
  entra: plan.entra
  apps: plan.apps
}))

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}
var functionAppName = '${abbrs.webSitesFunctions}mcp-${resourceToken}'
// The Function Apps (plan.apps): one when every server is of one kind, two when the config has
// stateful and stateless servers (docs/scale-out-decision.md, option b). apps[0] is always the
// azure.yaml service `api` and keeps the names of the one-app template, so an existing deployment
// keeps its app; the second is `api-stateless`. Each has its own Flex Consumption plan and its own
// package container; identity, storage, Key Vault and monitoring are shared.
var appNames = [for app in plan.apps: app.service == 'api' ? functionAppName : '${abbrs.webSitesFunctions}mcp-stateless-${resourceToken}']
var apps = [for (app, i) in plan.apps: union(app, {
  name: appNames[i]
  planName: app.service == 'api' ? '${abbrs.webServerFarms}${resourceToken}' : '${abbrs.webServerFarms}mcp-stateless-${resourceToken}'
  deploymentContainerName: 'app-package-${take(appNames[i], 32)}-${take(toLower(uniqueString(appNames[i], resourceToken)), 7)}'
})]
// Two apps: `api` (stateful) and `api-stateless`; azure.yaml deploys the second only then.
var twoApps = length(apps) > 1
// Where each app sits in plan.apps, by service key: plan.servers[].app names the app serving a server.
var appServices = map(plan.apps, app => app.service)
var defaultServers = filter(plan.servers, server => server.default)
var sessionKeySecretName = 'mcp-adapter-session-key'
var oboEnabled = plan.entra != null
// plan.entra is null when no server takes Entra callers or uses On-Behalf-Of; this stand-in keeps the field accesses typed.
var planEntra = plan.entra ?? {
  servers: []
  oboServers: []
  appRegistration: 'configured'
  oboScopes: []
  requiredCallerScopes: []
  credential: 'none'
}
// A config that names its app registration (azure_client_id) or uses a client secret brings its own;
// otherwise create one (the audience of callers' tokens, trusted for OBO through a federated credential) unless told not to.
var createOboApp = oboEnabled && planEntra.appRegistration == 'create' && planEntra.credential == 'federated_credential' && createEntraApp && empty(existingOboClientId)

resource rg 'Microsoft.Resources/resourceGroups@2025-04-01' = {
  name: '${abbrs.resourcesResourceGroups}${environmentName}'
  location: location
  tags: tags
}

// ---------------------------------------------------------------------------------------------
// Identity, storage, monitoring, secrets
// ---------------------------------------------------------------------------------------------

module identity 'app/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: '${abbrs.managedIdentityUserAssignedIdentities}mcp-${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'app/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: '${abbrs.storageStorageAccounts}${resourceToken}'
    location: location
    tags: tags
    deploymentContainerNames: map(apps, app => app.deploymentContainerName)
    vnetEnabled: vnetEnabled
  }
}

module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    applicationInsightsName: '${abbrs.insightsComponents}${resourceToken}'
    location: location
    tags: tags
  }
}

module keyVault 'app/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    name: '${abbrs.keyVaultVaults}${resourceToken}'
    location: location
    tags: tags
    secrets: plan.secrets
    secretValues: mcpSecretValues
    sessionKeySecretName: sessionKeySecretName
    sessionKey: sessionKey
    vnetEnabled: vnetEnabled
  }
}

// ---------------------------------------------------------------------------------------------
// Role assignments: the app's identity and the deployer on the deployment's own resources
// ---------------------------------------------------------------------------------------------

module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    keyVaultName: keyVault.outputs.name
    identityPrincipalId: identity.outputs.principalId
    deployerPrincipalId: principalId
    deployerPrincipalType: principalType
    plannedRoles: plan.roleAssignments
  }
}

// ---------------------------------------------------------------------------------------------
// Optional network isolation
// ---------------------------------------------------------------------------------------------

module network 'app/network.bicep' = if (vnetEnabled) {
  name: 'network'
  scope: rg
  params: {
    name: '${abbrs.networkVirtualNetworks}${resourceToken}'
    location: location
    tags: tags
  }
}

module privateEndpoints 'app/private-endpoints.bicep' = if (vnetEnabled) {
  name: 'private-endpoints'
  scope: rg
  params: {
    location: location
    tags: tags
    virtualNetworkName: vnetEnabled ? network!.outputs.name : ''
    subnetName: vnetEnabled ? network!.outputs.privateEndpointSubnetName : ''
    storageAccountName: storage.outputs.name
    keyVaultName: keyVault.outputs.name
    namePrefix: abbrs.networkPrivateEndpoints
    resourceToken: resourceToken
  }
}

// ---------------------------------------------------------------------------------------------
// Entra app registration for On-Behalf-Of (only when a server uses azure_obo)
// ---------------------------------------------------------------------------------------------

module entraApp 'app/entra.bicep' = if (createOboApp) {
  name: 'entra-app'
  scope: rg
  params: {
    appUniqueName: '${functionAppName}-obo'
    displayName: 'MCP adapter ${environmentName} (${functionAppName})'
    entra: planEntra
    retiredCallerScopes: retiredCallerScopes
    retiredAppRoles: retiredAppRoles
    identityPrincipalId: identity.outputs.principalId
  }
}

var oboClientId = createOboApp ? entraApp!.outputs.clientId : existingOboClientId

// ---------------------------------------------------------------------------------------------
// The Function Apps, then their app settings
// ---------------------------------------------------------------------------------------------

module functionApps 'app/function-app.bicep' = [for app in apps: {
  name: 'function-app-${app.service}'
  scope: rg
  dependsOn: [
    // The host reaches storage with these roles as soon as it starts.
    rbac
    privateEndpoints
  ]
  params: {
    name: app.name
    planName: app.planName
    location: location
    tags: tags
    serviceName: app.service
    identityId: identity.outputs.id
    deploymentContainerUrl: '${storage.outputs.blobEndpoint}${app.deploymentContainerName}'
    scale: app.scale
    subnetId: vnetEnabled ? network!.outputs.appSubnetId : ''
  }
}]

// The settings are a module of their own, deployed after every site: in a mixed plan each app
// names the other's URL (MCP_ADAPTER_OTHER_APP_URL), and a site's host name is known only once it
// exists. Inside function-app.bicep, app A's settings would wait for app B's module and B's for A's:
// a dependency cycle. Here the sites depend on nothing of each other and each settings module on
// both sites (the collection), so the graph stays acyclic; a site runs without its settings only
// between the two steps of its first deployment.
module appSettings 'app/app-settings.bicep' = [for (app, i) in apps: {
  name: 'app-settings-${app.service}'
  scope: rg
  params: {
    siteName: functionApps[i].outputs.name
    role: app.role
    // Two apps at most, so the other one is the next in the ring. (Not `1 - i`: Bicep lists the
    // indexed module in dependsOn whatever the condition, and index 1 of a one-app plan fails.)
    otherAppUrl: twoApps ? functionApps[(i + 1) % length(apps)].outputs.baseUrl : ''
    sessionsPerInstance: app.scale.sessionsPerInstance
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    applicationInsightsConnectionString: monitoring.outputs.connectionString
    keyVaultUri: keyVault.outputs.uri
    sessionKeySecretName: sessionKeySecretName
    appSettings: plan.appSettings
    settingValues: settingValues
    provisionedPlan: provisionedPlan
    oboClientId: oboEnabled ? oboClientId : ''
    oboIdentifierUri: createOboApp ? entraApp!.outputs.identifierUri : ''
  }
}]

// ---------------------------------------------------------------------------------------------
// Outputs (azd stores them in the environment; none of them is a secret)
// ---------------------------------------------------------------------------------------------

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionApps[0].outputs.name
output AZURE_FUNCTION_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output AZURE_FUNCTION_IDENTITY_PRINCIPAL_ID string = identity.outputs.principalId
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_KEY_VAULT_ENDPOINT string = keyVault.outputs.uri
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
// The first app (service `api`): the stateful one, or the only one.
output SERVICE_API_NAME string = functionApps[0].outputs.name
output SERVICE_API_ENDPOINT_URL string = functionApps[0].outputs.baseUrl
output MCP_BASE_URL string = functionApps[0].outputs.baseUrl
// The second app (service `api-stateless`), in mixed plans only; azure.yaml deploys it only while
// MCP_STATELESS_APP_ENABLED is 'true' (its `condition`).
// (The last app is the second when there are two; the index stays in range when there is one.)
output SERVICE_API_STATELESS_NAME string = twoApps ? functionApps[length(apps) - 1].outputs.name : ''
output SERVICE_API_STATELESS_ENDPOINT_URL string = twoApps ? functionApps[length(apps) - 1].outputs.baseUrl : ''
output MCP_STATELESS_APP_ENABLED string = twoApps ? 'true' : 'false'
output MCP_APPS array = [for (app, i) in apps: {
  service: app.service
  role: app.role
  name: functionApps[i].outputs.name
  baseUrl: functionApps[i].outputs.baseUrl
  servers: app.servers
}]
// Every server's endpoint on the app that serves it; the default server's `/mcp` likewise.
output MCP_ENDPOINTS array = [for server in plan.servers: '${functionApps[indexOf(appServices, server.app)].outputs.baseUrl}${server.endpoint}']
output MCP_DEFAULT_ENDPOINT string = empty(defaultServers) ? '' : '${functionApps[indexOf(appServices, defaultServers[0].app)].outputs.baseUrl}/mcp'
output MCP_OBO_CLIENT_ID string = oboEnabled ? oboClientId : ''
output MCP_OBO_IDENTIFIER_URI string = createOboApp ? entraApp!.outputs.identifierUri : ''
output MCP_PROVISIONED_PLAN string = provisionedPlan
