/**
 * Runs On-Behalf-Of exchanges in a process of its own, as the adapter host does: the Entra fake's
 * CA is trusted through NODE_EXTRA_CA_CERTS (read only at process start, hence this process) and
 * the managed identity is whatever IDENTITY_ENDPOINT/IDENTITY_HEADER say, so the secretless default
 * (`ManagedIdentityCredential` → client assertion) runs exactly as deployed, with no test options.
 *
 * Input (argv[2], JSON): { options: OboTokenSourceOptions (serialisable part),
 *   sessions: [{ callerToken, principal }], calls: [{ session, scope }] }
 * Output (last stdout line, JSON): { results: [{ ok, token, expiresOnTimestamp } | { ok: false, name, status, message }] }
 */
import { createOboTokenSourceFactory, type OboTokenSourceOptions } from '../../../src/auth/credentials/index.js';
import { TokenUnavailableError } from '../../../src/auth/types.js';

interface RunnerInput {
  options: Omit<OboTokenSourceOptions, 'getAssertion' | 'logger'>;
  sessions: Array<{ callerToken: string; principal: string }>;
  calls: Array<{ session: number; scope: string }>;
}

const input = JSON.parse(process.argv[2] ?? '{}') as RunnerInput;
const factory = createOboTokenSourceFactory(input.options);
const sessions = input.sessions.map((session) => factory(session.callerToken, session.principal));
const results: unknown[] = [];
for (const call of input.calls) {
  const source = sessions[call.session];
  if (!source) throw new Error(`no session ${call.session}`);
  try {
    const token = await source.getToken(call.scope);
    results.push({ ok: true, token: token.token, expiresOnTimestamp: token.expiresOnTimestamp });
  } catch (error) {
    results.push({
      ok: false,
      name: error instanceof Error ? error.name : typeof error,
      status: error instanceof TokenUnavailableError ? error.status : undefined,
      message: error instanceof Error ? error.message : String(error),
    });
  }
}
console.log(JSON.stringify({ results }));
