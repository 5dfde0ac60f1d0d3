// Role assignments on the deployment's own resources, each named guid(scope, principal, role).
// The app's identity: storage data (host, deployment package, session store), telemetry, Key Vault
// secrets. The deployer (optional): Key Vault secrets and storage data, to inspect and debug.
param storageAccountName string
param applicationInsightsName string
param keyVaultName string
param identityPrincipalId string
param deployerPrincipalId string = ''
@description('User or ServicePrincipal; empty leaves it to Azure.')
param deployerPrincipalType string = ''
@description('plan.roleAssignments: extra roles the config calls for, on the Key Vault.')
param plannedRoles array = []

var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  keyVaultSecretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'
}
var storageRoles = [
  roles.storageBlobDataOwner
  roles.storageQueueDataContributor
  roles.storageTableDataContributor
]
// The identity always gets Key Vault Secrets User (the session key); drop plan entries that repeat it.
var extraKeyVaultRoles = filter(plannedRoles, r => r.scope == 'keyVault' && r.roleDefinitionId != roles.keyVaultSecretsUser)
var hasDeployer = !empty(deployerPrincipalId)

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' existing = {
  name: storageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource vault 'Microsoft.KeyVault/vaults@2024-11-01' existing = {
  name: keyVaultName
}

resource identityStorage 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in storageRoles: {
  name: guid(storage.id, identityPrincipalId, role)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}]

resource identityMetrics 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(applicationInsights.id, identityPrincipalId, roles.monitoringMetricsPublisher)
  scope: applicationInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource identitySecrets 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, identityPrincipalId, roles.keyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource identityPlanned 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in extraKeyVaultRoles: {
  name: guid(vault.id, identityPrincipalId, role.roleDefinitionId)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role.roleDefinitionId)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
    description: role.reason
  }
}]

resource deployerSecrets 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (hasDeployer) {
  name: guid(vault.id, deployerPrincipalId, roles.keyVaultSecretsOfficer)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsOfficer)
    principalId: deployerPrincipalId
    principalType: empty(deployerPrincipalType) ? null : deployerPrincipalType
  }
}

resource deployerStorage 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in storageRoles: if (hasDeployer) {
  name: guid(storage.id, deployerPrincipalId, role)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
    principalId: deployerPrincipalId
    principalType: empty(deployerPrincipalType) ? null : deployerPrincipalType
  }
}]
