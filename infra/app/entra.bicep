extension microsoftGraphV1

// Entra app registration for On-Behalf-Of, created only when a server uses azure_obo (and
// createEntraApp is true). Callers (VS Code pre-authorized) get tokens for this app's scopes; the
// adapter exchanges them for the downstream scopes, proving the app's identity with a managed
// identity token (federated credential below), so no client secret exists anywhere.
//
// Alternative: set createEntraApp=false and existingOboClientId to an app you manage; give it a
// federated credential with issuer '<login endpoint><tenant id>/v2.0', subject the output
// AZURE_FUNCTION_IDENTITY_PRINCIPAL_ID and audience 'api://AzureADTokenExchange'.
//
// Still to do by hand in either case: consent (admin or user) to the downstream delegated
// permissions the plan's oboScopes name; Bicep cannot map scope URLs to permission ids.

@description('Tenant-unique name that makes the registration idempotent.')
param appUniqueName string
param displayName string

@description('plan.entra: { servers, oboScopes, requiredCallerScopes, credential, endpointIdentifierUris?, appRoles? }')
param entra object

@description('Scope values no longer required: kept on the app, disabled (Microsoft Graph refuses to update or delete an enabled scope), and not pre-authorized. A value that is also current stays enabled.')
param retiredCallerScopes array = []

@description('App role values no longer named: kept on the app, disabled (Microsoft Graph refuses to delete an enabled role). A value that is also current stays enabled.')
param retiredAppRoles array = []

@description('Object (principal) id of the managed identity the app trusts.')
param identityPrincipalId string

@description('Clients allowed to request the scopes without a consent prompt (default: VS Code).')
param preAuthorizedClientIds array = [
  'aebc6443-996d-45c2-90f0-388ff96faa56'
]

var scopeValues = union([
  'user_impersonation'
], entra.requiredCallerScopes)
// union() with [] drops duplicates.
var retiredScopeValues = filter(union(retiredCallerScopes, []), value => !contains(scopeValues, value))
var scopes = [for value in concat(scopeValues, retiredScopeValues): {
  id: guid(appUniqueName, 'scope', value)
  value: value
  type: 'User'
  isEnabled: contains(scopeValues, value)
  adminConsentDisplayName: 'Use the MCP servers (${value})'
  adminConsentDescription: 'Lets the app call the MCP servers of ${displayName} on behalf of the signed-in user (${value}).'
  userConsentDisplayName: 'Use the MCP servers (${value})'
  userConsentDescription: 'Lets the app call the MCP servers on your behalf (${value}).'
}]
// Only the current (enabled) scopes are pre-authorized.
var scopeIds = map(scopeValues, value => guid(appUniqueName, 'scope', value))
var identifierUri = 'api://${appUniqueName}-${uniqueString(subscription().id, appUniqueName)}'

// App roles the config names (allowed_roles, tools.roles): assigned to users or apps in Entra, they
// arrive in the token's `roles` claim, which opens servers and selects tool rules
// (docs/configuration.md: Tool rules). Roles removed from the config stay one deployment, disabled.
var roleValues = union(entra.?appRoles ?? [], [])
var retiredRoleValues = filter(union(retiredAppRoles, []), value => !contains(roleValues, value))
var appRoles = [for value in concat(roleValues, retiredRoleValues): {
  id: guid(appUniqueName, 'role', value)
  value: value
  displayName: value
  description: 'MCP access and tool rules of role ${value}'
  allowedMemberTypes: [
    'User'
    'Application'
  ]
  isEnabled: contains(roleValues, value)
}]

resource app 'Microsoft.Graph/applications@v1.0' = {
  uniqueName: appUniqueName
  displayName: displayName
  signInAudience: 'AzureADMyOrg'
  // Endpoint URLs on a custom domain too: clients send the endpoint URL as their RFC 8707 resource,
  // which Entra accepts only as an identifier URI of the app its scopes belong to (AADSTS9010010).
  identifierUris: concat([
    identifierUri
  ], entra.?endpointIdentifierUris ?? [])
  appRoles: appRoles
  api: {
    requestedAccessTokenVersion: 2
    oauth2PermissionScopes: scopes
    preAuthorizedApplications: map(preAuthorizedClientIds, clientId => {
      appId: clientId
      delegatedPermissionIds: scopeIds
    })
  }
}

resource servicePrincipal 'Microsoft.Graph/servicePrincipals@v1.0' = {
  appId: app.appId
}

resource managedIdentityCredential 'Microsoft.Graph/applications/federatedIdentityCredentials@v1.0' = {
  name: '${app.uniqueName}/mcp-adapter-identity'
  description: 'The MCP adapter\'s managed identity proves the app\'s identity in the On-Behalf-Of exchange.'
  issuer: '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'
  subject: identityPrincipalId
  audiences: [
    'api://AzureADTokenExchange'
  ]
}

output clientId string = app.appId
output identifierUri string = identifierUri
output servicePrincipalId string = servicePrincipal.id
