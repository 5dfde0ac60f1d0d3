/**
 * Protocol revisions whose clients the HTTP side accepts in `MCP-Protocol-Version` (the SDK's
 * SUPPORTED_PROTOCOL_VERSIONS, which a test keeps in step). It includes pre-Streamable-HTTP
 * revisions (2024-11-05): clients send those when the child negotiated them, and the spec says
 * not to demand the header equal the negotiated version, so they are accepted too.
 */
export const ACCEPTED_PROTOCOL_VERSIONS: readonly string[] = [
  '2025-11-25',
  '2025-06-18',
  '2025-03-26',
  '2024-11-05',
  '2024-10-07',
];

/** JSON-RPC batches were removed in 2025-06-18; older sessions may still send them. */
export function allowsBatches(protocolVersion: string): boolean {
  return protocolVersion <= '2025-03-26';
}
