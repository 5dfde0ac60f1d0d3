// One Function App of the plan (plan.apps: src/deployment/plan.ts), with its own Flex
// Consumption plan: main.bicep deploys this module once per planned app. Every app runs under the
// deployment's one user-assigned identity and deploys its package from its own blob container of
// the shared storage account. The app settings are not here but in app-settings.bicep, deployed
// after every site (each app's settings name the other app's URL; see main.bicep).
param name string
param planName string
param location string
param tags object
@description('The service key in azure.yaml (plan.apps[].service); azd finds the app by this tag.')
@allowed([
  'api'
  'api-stateless'
])
param serviceName string
@description('User-assigned identity: the site runs under it and reads its package and Key Vault references with it.')
param identityId string
@description('URL of the blob container Flex Consumption deploys this app\'s packages from (one container per app).')
param deploymentContainerUrl string
@description('plan.apps[].scale: { instanceMemoryMb, maximumInstanceCount, alwaysReadyInstances, sessionsPerInstance, httpPerInstanceConcurrency }')
param scale object
@description('Subnet for VNet integration; empty for none.')
param subnetId string = ''

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

// No siteUpdateStrategy: deploys use the platform default (Recreate). RollingUpdate keeps old and
// new instances serving side by side for up to an hour, which the stateful app must never do
// (docs/scale-out-decision.md, F8); the serving lease is the guard for the short overlap Recreate
// still has.
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
    // Both apps of a mixed plan may share the subnet: Flex Consumption allows one subnet for
    // several of its apps (plan about 40 addresses per app; the /24 of network.bicep has 251).
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
        // 1 for the stateful app (plan.ts); always-ready instances run outside this maximum.
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
            // Stateless app: the session cap, so the platform scales out before sessions are refused.
            // Stateful app: 4 x the cap, so a session's stream and posts are not load to scale on.
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

output name string = site.name
output baseUrl string = 'https://${site.properties.defaultHostName}'
