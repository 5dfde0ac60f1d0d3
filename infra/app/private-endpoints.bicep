// Private endpoints and private DNS zones for storage (blob, queue, table) and Key Vault, used
// when vnetEnabled: both then refuse public network access.
param location string
param tags object
param virtualNetworkName string
param subnetName string
param storageAccountName string
param keyVaultName string
param namePrefix string
param resourceToken string

resource vnet 'Microsoft.Network/virtualNetworks@2024-05-01' existing = {
  name: virtualNetworkName
}

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' existing = {
  name: storageAccountName
}

resource vault 'Microsoft.KeyVault/vaults@2024-11-01' existing = {
  name: keyVaultName
}

// Key Vault's private link zone has no environment() suffix; this is the public cloud's.
var endpoints = [
  {
    service: 'blob'
    target: storage.id
    zone: 'privatelink.blob.${environment().suffixes.storage}'
  }
  {
    service: 'queue'
    target: storage.id
    zone: 'privatelink.queue.${environment().suffixes.storage}'
  }
  {
    service: 'table'
    target: storage.id
    zone: 'privatelink.table.${environment().suffixes.storage}'
  }
  {
    service: 'vault'
    target: vault.id
    zone: 'privatelink.vaultcore.azure.net'
  }
]

resource zones 'Microsoft.Network/privateDnsZones@2024-06-01' = [for endpoint in endpoints: {
  name: endpoint.zone
  location: 'global'
  tags: tags
}]

resource zoneLinks 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = [for (endpoint, i) in endpoints: {
  parent: zones[i]
  name: '${endpoint.service}-${resourceToken}'
  location: 'global'
  tags: tags
  properties: {
    registrationEnabled: false
    virtualNetwork: {
      id: vnet.id
    }
  }
}]

resource privateEndpoints 'Microsoft.Network/privateEndpoints@2024-05-01' = [for endpoint in endpoints: {
  name: '${namePrefix}${endpoint.service}-${resourceToken}'
  location: location
  tags: tags
  properties: {
    subnet: {
      id: '${vnet.id}/subnets/${subnetName}'
    }
    privateLinkServiceConnections: [
      {
        name: '${endpoint.service}-connection'
        properties: {
          privateLinkServiceId: endpoint.target
          groupIds: [
            endpoint.service
          ]
        }
      }
    ]
  }
}]

resource zoneGroups 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2024-05-01' = [for (endpoint, i) in endpoints: {
  parent: privateEndpoints[i]
  name: 'default'
  properties: {
    privateDnsZoneConfigs: [
      {
        name: replace(endpoint.zone, '.', '-')
        properties: {
          privateDnsZoneId: zones[i].id
        }
      }
    ]
  }
}]
