// Which actions the org pages offer the signed-in person. This only spares them buttons that
// would be refused: the API decides, and its refusal is shown when it does.
import { hasRole, me } from "../auth.js";

export const ROLES = ["rep", "supervisor", "manager", "admin", "finance"];
export const UNIT_KINDS = ["group", "branch", "sub_branch", "team", "department"];
export const PLATFORMS = ["android", "ios", "other"];
export const PROTOCOLS = ["app", "osmand", "owntracks"];

/** The roles the signed-in person may hand out. */
export function grantableRoles() {
  if (hasRole("admin")) return ROLES;
  if (hasRole("manager")) return ["rep", "supervisor"];
  return [];
}

/** Whether the signed-in person may add staff and units (in their scope). */
export const managesStaff = () => hasRole("admin", "manager");

/** Acting on a person: only when one could grant every role they hold, never oneself
 *  unless an admin. */
export function canActOn(person) {
  if (!person) return false;
  if (hasRole("admin")) return true;
  if (!hasRole("manager") || person.id === me.value?.id) return false;
  const grantable = grantableRoles();
  return person.roles.every((r) => grantable.includes(r));
}

/** Changing, moving or deleting a unit: admins anywhere, managers strictly below their unit. */
export function canChangeUnit(unit) {
  if (hasRole("admin")) return true;
  return hasRole("manager") && !!unit && unit.id !== me.value?.org_unit_id;
}
