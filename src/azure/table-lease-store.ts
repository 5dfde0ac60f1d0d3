import { RestError, type TableClient } from '@azure/data-tables';
import type { LeaseRecord, LeaseRecordStore } from '../state/serving-lease.js';

const PARTITION = 'lease';

interface LeaseRow {
  holder: string;
  token: number;
  expiresAt: number;
}

/**
 * Lease rows in the deployment's table (`mcpsessions`, partition `lease`), written only with
 * conditions: create fails on an existing row (409), replace on a changed ETag (412),
 * which Azure Table storage and Azurite enforce per entity.
 */
export class TableLeaseStore implements LeaseRecordStore {
  private ready: Promise<void> | undefined;

  /** Each call gives up after `timeoutMs` (the SDK's own retries included): a renewal must not outlast the lease. */
  constructor(
    private readonly client: TableClient,
    private readonly timeoutMs = 5_000,
  ) {}

  private options() {
    return { abortSignal: AbortSignal.timeout(this.timeoutMs) };
  }

  async read(name: string): Promise<LeaseRecord | undefined> {
    await this.ensureTable();
    try {
      const row = await this.client.getEntity<LeaseRow>(PARTITION, name, this.options());
      return { holder: row.holder, token: Number(row.token), expiresAt: Number(row.expiresAt), etag: row.etag };
    } catch (error) {
      if (error instanceof RestError && error.statusCode === 404) return undefined;
      throw error;
    }
  }

  async create(name: string, record: Omit<LeaseRecord, 'etag'>): Promise<string | undefined> {
    await this.ensureTable();
    try {
      const written = await this.client.createEntity(
        { partitionKey: PARTITION, rowKey: name, ...record },
        this.options(),
      );
      return written.etag ?? (await this.read(name))?.etag;
    } catch (error) {
      if (error instanceof RestError && error.statusCode === 409) return undefined;
      throw error;
    }
  }

  async replace(name: string, record: Omit<LeaseRecord, 'etag'>, etag: string): Promise<string | undefined> {
    await this.ensureTable();
    try {
      const written = await this.client.updateEntity({ partitionKey: PARTITION, rowKey: name, ...record }, 'Replace', {
        ...this.options(),
        etag,
      });
      return written.etag ?? (await this.read(name))?.etag;
    } catch (error) {
      if (error instanceof RestError && (error.statusCode === 412 || error.statusCode === 404)) return undefined;
      throw error;
    }
  }

  private ensureTable(): Promise<void> {
    this.ready ??= this.client.createTable(this.options()).catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }
}
