// Who may do what: the roles a named token carries and the access each route of the agent's API
// needs (agent/http/routes.cc says which, per route). Shared by the agent, which enforces
// them, and the CLI and docs, which name them.
//
//   viewer    reads: cluster and node status, backup list/show/diff, schedule list
//   operator  also: backup create, verify, download, import
//   admin     also: backup restore and delete, schedule create/delete, ZooKeeper stop/start,
//             the audit log
//   cluster   the agents' own credential, for their /v1/internal/… routes only: it satisfies no
//             operator's route, and no role satisfies an internal one. A request one agent
//             forwards to another carries the caller's own token (agent/http/forwarding.h)
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace lockstep::api {

// Ordered: each role may do everything the one before it may.
enum class Role { kViewer = 1, kOperator = 2, kAdmin = 3 };

// What a route asks of the caller.
enum class Access { kOpen, kViewer, kOperator, kAdmin, kCluster };

// "viewer", "operator", "admin".
std::string_view RoleName(Role role);
// "a viewer", "an operator", "an admin": for messages.
std::string RoleWithArticle(Role role);
// A role by its name; the error lists the valid names.
Result<Role> ParseRole(std::string_view name);

// "open", "viewer", "operator", "admin", "cluster": the README's auth column.
std::string_view AccessName(Access access);
// Whether `access` is one of the three roles (not open, not the cluster credential).
bool NeedsRole(Access access);
// The role `access` needs; meaningful only when NeedsRole(access).
Role RoleFor(Access access);

// Whether a caller holding `role` (none for the cluster credential alone) and the cluster
// credential when `cluster` may use a route needing `access`: a role route needs the role, an
// internal route the cluster credential, whatever else the caller holds.
bool Permits(Access access, std::optional<Role> role, bool cluster);

}  // namespace lockstep::api
