// A child process that gets a token the way any Node program using the Azure SDK does:
// `@azure/identity` reads IDENTITY_ENDPOINT / IDENTITY_HEADER from its environment. Nothing here
// knows about the adapter. Usage: node identity-sdk-child.mjs <managed|default> <scope> [clientId]
// Prints one JSON line: {ok, tokenSha256, expiresOnTimestamp} or {ok: false, name, message}.
import { createHash } from 'node:crypto';
import { DefaultAzureCredential, ManagedIdentityCredential } from '@azure/identity';

const [kind, scope, clientId] = process.argv.slice(2);
const credential =
  kind === 'default'
    ? new DefaultAzureCredential(clientId ? { managedIdentityClientId: clientId } : {})
    : new ManagedIdentityCredential(clientId ? { clientId } : {});
try {
  const token = await credential.getToken(scope);
  const again = await credential.getToken(scope);
  console.log(
    JSON.stringify({
      ok: true,
      tokenSha256: createHash('sha256').update(token.token).digest('hex'),
      expiresOnTimestamp: token.expiresOnTimestamp,
      sameTokenTwice: again.token === token.token,
    }),
  );
} catch (error) {
  console.log(JSON.stringify({ ok: false, name: error?.name, message: String(error?.message ?? error) }));
}
