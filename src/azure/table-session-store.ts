import { ManagedIdentityCredential, type TokenCredential } from '@azure/identity';
import { odata, TableClient, RestError } from '@azure/data-tables';
import { sessionKey, type SharedSessionStore } from '../session/shared-store.js';

const TABLE = 'mcpsessions';
const ENDED = 'ended';

/**
 * The shared session store in the deployment's own storage account (Azure Table storage through
 * the app's managed identity; Azurite locally and in tests). Rows are keyed by a digest of the
 * session id, never the id itself, and carry only when the session would have expired.
 */
export class TableSessionStore implements SharedSessionStore {
  private ready: Promise<void> | undefined;

  constructor(private readonly client: TableClient) {}

  /**
   * The store this deployment uses, or undefined for a single instance: a connection string
   * (MCP_ADAPTER_STORE_CONNECTION_STRING, e.g. Azurite's) or the storage account the infra names
   * (MCP_ADAPTER_STORAGE_ACCOUNT) reached with the managed identity. MCP_ADAPTER_SINGLE_INSTANCE=true
   * (a deployment pinned to one instance) needs none.
   */
  static fromEnvironment(env: NodeJS.ProcessEnv, credential?: TokenCredential): TableSessionStore | undefined {
    if (env.MCP_ADAPTER_SINGLE_INSTANCE === 'true') return undefined;
    if (env.MCP_ADAPTER_STORE_CONNECTION_STRING) {
      return new TableSessionStore(TableClient.fromConnectionString(env.MCP_ADAPTER_STORE_CONNECTION_STRING, TABLE, { allowInsecureConnection: true }));
    }
    if (env.MCP_ADAPTER_STORAGE_ACCOUNT) {
      const identity = credential ?? new ManagedIdentityCredential(env.MCP_ADAPTER_IDENTITY_CLIENT_ID ? { clientId: env.MCP_ADAPTER_IDENTITY_CLIENT_ID } : {});
      return new TableSessionStore(new TableClient(`https://${env.MCP_ADAPTER_STORAGE_ACCOUNT}.table.core.windows.net`, TABLE, identity));
    }
    return undefined;
  }

  async isEnded(sessionId: string): Promise<boolean> {
    await this.ensureTable();
    try {
      const row = await this.client.getEntity<{ expiresAt: number }>(ENDED, sessionKey(sessionId));
      return row.expiresAt > Date.now();
    } catch (error) {
      if (error instanceof RestError && error.statusCode === 404) return false;
      throw error;
    }
  }

  async markEnded(sessionId: string, expiresAt: number): Promise<void> {
    await this.ensureTable();
    await this.client.upsertEntity({ partitionKey: ENDED, rowKey: sessionKey(sessionId), expiresAt, endedAt: Date.now() }, 'Replace');
  }

  async endedSince(sinceMs: number): Promise<string[]> {
    await this.ensureTable();
    const keys: string[] = [];
    const rows = this.client.listEntities<{ endedAt: number }>({ queryOptions: { filter: odata`PartitionKey eq ${ENDED} and endedAt ge ${sinceMs}`, select: ['RowKey', 'endedAt'] } });
    for await (const row of rows) keys.push(row.rowKey!);
    return keys;
  }

  private ensureTable(): Promise<void> {
    this.ready ??= this.client.createTable().catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }
}
