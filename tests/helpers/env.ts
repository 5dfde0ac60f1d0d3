/**
 * Changes this process's environment for code that reads `process.env` itself (the Azure SDK's
 * ManagedIdentityCredential does), and gives back the function that puts every changed variable
 * back as it was: call it from `after`/`t.after`, so no later test sees the change.
 * `undefined` removes a variable.
 */
export function overrideProcessEnv(changes: Record<string, string | undefined>): () => void {
  const saved = new Map<string, string | undefined>();
  for (const [name, value] of Object.entries(changes)) {
    if (!saved.has(name)) saved.set(name, process.env[name]);
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  return () => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}
