import { ManagedIdentityCredential, type TokenCredential } from '@azure/identity';
import { odata, TableClient, RestError } from '@azure/data-tables';
import { randomBytes } from 'node:crypto';
import { sessionKey, type SharedSessionStore, type StoredEvent } from '../state/shared-store.js';

/** Table string properties hold 64 KiB (32 Ki UTF-16 characters): longer texts are split. */
const PART = 30_000;
const MAX_PARTS = 30;

const TABLE = 'mcpsessions';
const ENDED = 'ended';
const ACTIVITY = 'activity';

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
    const client = tableClientFromEnvironment(env, credential);
    return client && new TableSessionStore(client);
  }

  private ensureTable(): Promise<void> {
    this.ready ??= this.client.createTable().catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
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
    await this.client.upsertEntity(
      { partitionKey: ENDED, rowKey: sessionKey(sessionId), expiresAt, endedAt: Date.now() },
      'Replace',
    );
  }

  async recordActivity(sessionId: string, at: number, expiresAt: number): Promise<void> {
    await this.ensureTable();
    await this.client.upsertEntity({ partitionKey: ACTIVITY, rowKey: sessionKey(sessionId), at, expiresAt }, 'Replace');
  }

  async lastActivity(sessionId: string): Promise<number | undefined> {
    await this.ensureTable();
    try {
      return (await this.client.getEntity<{ at: number }>(ACTIVITY, sessionKey(sessionId))).at;
    } catch (error) {
      if (error instanceof RestError && error.statusCode === 404) return undefined;
      throw error;
    }
  }

  async endedSince(sinceMs: number): Promise<string[]> {
    await this.ensureTable();
    const keys: string[] = [];
    const rows = this.client.listEntities<{ endedAt: number }>({
      queryOptions: {
        filter: odata`PartitionKey eq ${ENDED} and endedAt ge ${sinceMs}`,
        select: ['RowKey', 'endedAt'],
      },
    });
    for await (const row of rows) keys.push(row.rowKey!);
    return keys;
  }

  async appendEvents(streamKey: string, events: StoredEvent[], finished: boolean): Promise<void> {
    await this.ensureTable();
    const partitionKey = `events.${streamKey}`;
    for (const event of events) {
      const parts: Record<string, string> = {};
      for (let i = 0; i * PART < event.text.length && i < MAX_PARTS; i += 1)
        parts[`t${i}`] = event.text.slice(i * PART, (i + 1) * PART);
      if (event.text.length > PART * MAX_PARTS) continue; // too large to relay; the resumer misses it (logged by the caller's bounds)
      await this.client.upsertEntity(
        { partitionKey, rowKey: String(event.seq).padStart(12, '0'), ...parts },
        'Replace',
      );
    }
    if (finished) await this.client.upsertEntity({ partitionKey, rowKey: 'finished' }, 'Replace');
  }

  async readEvents(streamKey: string, afterSeq: number): Promise<{ events: StoredEvent[]; finished: boolean }> {
    await this.ensureTable();
    const partitionKey = `events.${streamKey}`;
    const events: StoredEvent[] = [];
    let finished = false;
    const rows = this.client.listEntities<Record<string, string>>({
      queryOptions: {
        filter: odata`PartitionKey eq ${partitionKey} and RowKey gt ${String(afterSeq).padStart(12, '0')}`,
      },
    });
    for await (const row of rows) {
      if (row.rowKey === 'finished') {
        finished = true;
        continue;
      }
      let text = '';
      for (let i = 0; row[`t${i}`] !== undefined; i += 1) text += row[`t${i}`];
      events.push({ seq: Number(row.rowKey), text });
    }
    return { events, finished };
  }

  async postAnswer(sessionId: string, message: unknown): Promise<void> {
    await this.ensureTable();
    await this.client.createEntity({
      partitionKey: `answers.${sessionKey(sessionId)}`,
      rowKey: `${Date.now()}-${randomBytes(4).toString('hex')}`,
      m: JSON.stringify(message),
    });
  }

  async takeAnswers(sessionId: string): Promise<unknown[]> {
    await this.ensureTable();
    const partitionKey = `answers.${sessionKey(sessionId)}`;
    const answers: unknown[] = [];
    for await (const row of this.client.listEntities<{ m: string }>({
      queryOptions: { filter: odata`PartitionKey eq ${partitionKey}` },
    })) {
      answers.push(JSON.parse(row.m));
      await this.client.deleteEntity(partitionKey, row.rowKey!).catch(() => {});
    }
    return answers;
  }
}

/**
 * The deployment's table client: a connection string (MCP_ADAPTER_STORE_CONNECTION_STRING, e.g.
 * Azurite's) or the storage account the infra names (MCP_ADAPTER_STORAGE_ACCOUNT) reached with the
 * managed identity; undefined when neither is set.
 */
export function tableClientFromEnvironment(
  env: NodeJS.ProcessEnv,
  credential?: TokenCredential,
): TableClient | undefined {
  if (env.MCP_ADAPTER_STORE_CONNECTION_STRING)
    return TableClient.fromConnectionString(env.MCP_ADAPTER_STORE_CONNECTION_STRING, TABLE, {
      allowInsecureConnection: true,
    });
  if (env.MCP_ADAPTER_STORAGE_ACCOUNT) {
    const identity =
      credential ??
      new ManagedIdentityCredential(
        env.MCP_ADAPTER_IDENTITY_CLIENT_ID ? { clientId: env.MCP_ADAPTER_IDENTITY_CLIENT_ID } : {},
      );
    return new TableClient(`https://${env.MCP_ADAPTER_STORAGE_ACCOUNT}.table.core.windows.net`, TABLE, identity);
  }
  return undefined;
}
