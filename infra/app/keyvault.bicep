// Key Vault in RBAC mode with every secret the config names (values from the azd environment,
// through the preprovision hook) and the adapter's session key. The app reads them through Key
// Vault references resolved with its user-assigned identity (Key Vault Secrets User, rbac.bicep).
param name string
param location string
param tags object

@description('plan.secrets: [{ secretName, appSetting, azdEnvName, usedAt }]')
param secrets array

@secure()
@description('JSON object of secret values keyed by azd environment variable name, or that JSON base64-encoded; empty means none.')
param secretValues string = ''

param sessionKeySecretName string

@secure()
param sessionKey string

param vnetEnabled bool

var secretValueMap = empty(secretValues) ? {} : startsWith(secretValues, '{') ? json(secretValues) : json(base64ToString(secretValues))

resource vault 'Microsoft.KeyVault/vaults@2024-11-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    publicNetworkAccess: vnetEnabled ? 'Disabled' : 'Enabled'
    networkAcls: {
      defaultAction: vnetEnabled ? 'Deny' : 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource configSecrets 'Microsoft.KeyVault/vaults/secrets@2024-11-01' = [for secret in secrets: {
  parent: vault
  name: secret.secretName
  properties: {
    // A value missing from the hook's JSON fails the deployment here, naming the variable.
    value: string(secretValueMap[secret.azdEnvName])
    contentType: 'text/plain'
  }
}]

resource sessionKeySecret 'Microsoft.KeyVault/vaults/secrets@2024-11-01' = {
  parent: vault
  name: sessionKeySecretName
  properties: {
    value: sessionKey
    contentType: 'text/plain'
  }
}

output id string = vault.id
output name string = vault.name
// Ends with '/': references are '<uri>secrets/<name>'.
output uri string = vault.properties.vaultUri
