import { isJsonObject as isObject, type JsonRpcRequest } from '../protocol/jsonrpc.js';

type Capabilities = Record<string, unknown>;

/**
 * The client capabilities a server-to-client request needs, as the `requiredCapabilities` of a
 * MissingRequiredClientCapability error, or undefined when the client declared them all.
 */
export function missingCapabilities(request: JsonRpcRequest, declared: Capabilities): Capabilities | undefined {
  const params = request.params ?? {};
  switch (request.method) {
    case 'sampling/createMessage': {
      const sampling = declared.sampling;
      if (!isObject(sampling)) return { sampling: {} };
      if (params.tools !== undefined && !isObject(sampling.tools)) return { sampling: { tools: {} } };
      if (params.includeContext !== undefined && params.includeContext !== 'none' && !isObject(sampling.context))
        return { sampling: { context: {} } };
      return undefined;
    }
    case 'elicitation/create': {
      const elicitation = declared.elicitation;
      if (!isObject(elicitation)) return { elicitation: params.mode === 'url' ? { url: {} } : {} };
      // An empty elicitation capability means form mode (the 2025-11-25 rule, kept since).
      if (params.mode === 'url' && !isObject(elicitation.url)) return { elicitation: { url: {} } };
      if (params.mode !== 'url' && Object.keys(elicitation).length > 0 && !isObject(elicitation.form))
        return { elicitation: { form: {} } };
      return undefined;
    }
    case 'roots/list':
      return isObject(declared.roots) ? undefined : { roots: {} };
    default:
      return undefined;
  }
}

/** Why a client's answer to an input request cannot be given to the child, or undefined when it can. */
export function invalidInputResponse(method: string, value: unknown): string | undefined {
  if (!isObject(value)) return 'it must be an object';
  switch (method) {
    case 'elicitation/create':
      if (!['accept', 'decline', 'cancel'].includes(value.action as string))
        return 'an ElicitResult needs "action": "accept", "decline" or "cancel"';
      if (value.content !== undefined && !isObject(value.content))
        return 'an ElicitResult\'s "content" must be an object';
      return undefined;
    case 'sampling/createMessage':
      if (value.role !== 'assistant' && value.role !== 'user') return 'a CreateMessageResult needs "role"';
      if (!isObject(value.content) && !Array.isArray(value.content)) return 'a CreateMessageResult needs "content"';
      if (typeof value.model !== 'string') return 'a CreateMessageResult needs "model"';
      return undefined;
    case 'roots/list':
      if (!Array.isArray(value.roots) || !value.roots.every((root) => isObject(root) && typeof root.uri === 'string'))
        return 'a ListRootsResult needs "roots", an array of { uri }';
      return undefined;
    default:
      return undefined;
  }
}
