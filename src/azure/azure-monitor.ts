import { ManagedIdentityCredential } from '@azure/identity';
import { useAzureMonitor } from '@azure/monitor-opentelemetry';
import { logs, SeverityNumber } from '@opentelemetry/api-logs';
import type { LogSink } from '../observability/logger.js';

const severity: Record<string, SeverityNumber> = {
  debug: SeverityNumber.DEBUG,
  info: SeverityNumber.INFO,
  warn: SeverityNumber.WARN,
  error: SeverityNumber.ERROR,
};

/**
 * Sends the adapter's spans, counters and logs (child stderr among them) to Application
 * Insights, authenticated with the app's managed identity (local auth is off). Returns the
 * log sink to use, or undefined when no connection string is configured (local runs).
 */
export function enableAzureMonitor(env: NodeJS.ProcessEnv): LogSink | undefined {
  const connectionString = env.APPLICATIONINSIGHTS_CONNECTION_STRING;
  if (!connectionString) return undefined;
  const clientId = env.MCP_ADAPTER_IDENTITY_CLIENT_ID;
  useAzureMonitor({
    azureMonitorExporterOptions: {
      connectionString,
      credential: clientId ? new ManagedIdentityCredential({ clientId }) : undefined,
    },
    enableLiveMetrics: false,
  });
  const otelLogger = logs.getLogger('mcp-stdio-adapter');
  return (record) => {
    const {
      level,
      message,
      time: _time,
      ...attributes
    } = record as { level: string; message: string; time: string } & Record<string, unknown>;
    otelLogger.emit({
      severityNumber: severity[level] ?? SeverityNumber.INFO,
      severityText: level,
      body: message,
      attributes: Object.fromEntries(
        Object.entries(attributes).map(([key, value]) => [
          key,
          typeof value === 'object' ? JSON.stringify(value) : (value as string | number | boolean),
        ]),
      ),
    });
  };
}
