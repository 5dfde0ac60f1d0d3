// The app's user-assigned managed identity: the host's storage and telemetry access, Key Vault
// references, the child servers' managed-identity tokens and the On-Behalf-Of assertion.
param name string
param location string
param tags object

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output name string = identity.name
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
