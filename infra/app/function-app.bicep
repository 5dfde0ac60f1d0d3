// The Flex Consumption plan and the function app that serves the MCP endpoints, with every app
// setting: the config's (from the plan: fixed values, azd environment values, Key Vault
// references) and the ones the runtime needs from the infrastructure (src/functions/app-settings.ts).
param name string
param planName string
param location string
param tags object
@description('The service key in azure.yaml; azd finds the app by this tag.')
param serviceName string
param identityId string
param identityClientId string
param storageAccountName string
@description('URL of the blob container Flex Consumption deploys packages from.')
param deploymentContainerUrl string
param applicationInsightsConnectionString string
@description('Key Vault URI, ending with /.')
param keyVaultUri string
param sessionKeySecretName string
@description('plan.appSettings: [{ name, source: fixed | azd_env | key_vault, value | azdEnvName | secretName }]')
param appSettings array
@description('Plain setting values keyed by azd environment variable name.')
param settingValues object
@description('plan.scale')
param scale object
@description('plan.servers: [{ name, endpoint, default, ... }]')
param servers array
@description('Client id of the On-Behalf-Of app registration; empty when no server uses azure_obo.')
param oboClientId string = ''
@description('Identifier URI (api://...) of the OBO app registration: the audience of v1 tokens, the prefix of the scopes clients request.')
param oboIdentifierUri string = ''
@description('Subnet for VNet integration; empty for none.')
param subnetId string = ''
@description('Base64 of the JSON of what was provisioned from the plan (main.bicep); the same value as the output MCP_PROVISIONED_PLAN.')
param provisionedPlan string

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
  MCP_ADAPTER_MAX_SESSIONS: string(scale.sessionsPerInstance)
  MCP_ADAPTER_IDENTITY_CLIENT_ID: identityClientId
  MCP_ADAPTER_SESSION_KEY: '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/${sessionKeySecretName})'
  MCP_ADAPTER_STORAGE_ACCOUNT: storageAccountName
  MCP_ADAPTER_TENANT_ID: tenant().tenantId
  MCP_ADAPTER_PROVISIONED_PLAN: provisionedPlan
}
var oboSettings = empty(oboClientId) ? {} : {
  MCP_ADAPTER_OBO_CLIENT_ID: oboClientId
  MCP_ADAPTER_OBO_IDENTIFIER_URI: oboIdentifierUri
}
// The plan cannot name platform or MCP_ADAPTER_* settings, so nothing here overrides the config.
var allSettings = union(fixedSettings, azdEnvSettings, keyVaultSettings, infrastructureSettings, oboSettings)

resource flexPlan 'Microsoft.Web/serverfarms@2024-11-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource site 'Microsoft.Web/sites@2024-11-01' = {
  name: name
  location: location
  tags: union(tags, {
    'azd-service-name': serviceName
  })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: flexPlan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identityId
    virtualNetworkSubnetId: empty(subnetId) ? null : subnetId
    siteConfig: {
      minTlsVersion: '1.2'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: scale.instanceMemoryMb
        maximumInstanceCount: scale.maximumInstanceCount
        // Instances kept warm for the HTTP triggers; none unless the config asks.
        alwaysReady: scale.alwaysReadyInstances > 0 ? [
          {
            name: 'http'
            instanceCount: scale.alwaysReadyInstances
          }
        ] : []
        triggers: {
          http: {
            // Equal to the adapter's session cap, so the platform scales out before sessions are refused.
            perInstanceConcurrency: scale.httpPerInstanceConcurrency
          }
        }
      }
      runtime: {
        name: 'node'
        version: '22'
      }
    }
  }
}

resource siteSettings 'Microsoft.Web/sites/config@2024-11-01' = {
  parent: site
  name: 'appsettings'
  properties: allSettings
}

var baseUrl = 'https://${site.properties.defaultHostName}'
var defaultServers = filter(servers, server => server.default)

output name string = site.name
output baseUrl string = baseUrl
output endpoints array = [for server in servers: '${baseUrl}${server.endpoint}']
output defaultEndpoint string = empty(defaultServers) ? '' : '${baseUrl}/mcp'
