/**
 * Per-role rules. A role's block in `tools.roles` replaces the server's filtering rules (`allow`,
 * `deny`, `read_only`) for callers holding that role: fields the role leaves out take their
 * defaults (everything allowed, nothing denied, not read-only), not the server's values, so a
 * role's block alone says what that role sees. Names (`rename`), descriptions (`describe`),
 * `allow_empty` and the prompt and resource rules are server-wide: one tool has one name for
 * every caller, which keeps `childToolName` unambiguous whatever roles a caller holds.
 */
import type { CompiledRules } from './tool-rules.js';
import { unionOfRules } from './tool-rules.js';

/**
 * The rules for one caller.
 *
 * - No role of the caller is configured (or `roles` is undefined or empty): the server's rules
 *   (`base`). Roles the config does not name are ignored.
 * - One configured role: that role's rules.
 * - Several: their union. A tool is exposed (listed, callable) when any one of those roles'
 *   rules exposes it; a refusal's `rule` lists each role's reason. The server's own rules do not
 *   take part: a caller with a configured role sees what its roles allow, which may be more or
 *   less than the base.
 *
 * `perRole` defaults to `base.roles`; sets passed explicitly must come from the same
 * `compileRules` call as `base` (a `TypeError` otherwise). Role names are matched exactly and
 * only against the config's own roles (`constructor` or `__proto__` select nothing).
 *
 * Cheap (no caching needed): at most one small object per call. The result depends on the caller,
 * so a list filtered with role rules must not be cached for other callers: in the 2026-07-28
 * era, such a result's `cacheScope` must be `private`.
 */
export function selectRules(
  base: CompiledRules,
  roles: readonly string[] | undefined,
  perRole: Readonly<Record<string, CompiledRules>> = base.roles,
): CompiledRules {
  if (roles === undefined || roles.length === 0) return base;
  const held = [...new Set(roles)].filter((role) => typeof role === 'string' && Object.hasOwn(perRole, role)).sort();
  const members = held.map((role) => perRole[role]!);
  if (members.length === 0) return base;
  if (members.length === 1) return members[0]!;
  return unionOfRules(base, members, `roles ${held.map((role) => JSON.stringify(role)).join(', ')}`);
}
