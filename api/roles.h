// Who may do what: the roles a named token carries and the access each route of the agent's API
// needs (node-agent/agent/routes.cc says which, per route). Shared by the agent, which enforces
// them, and the CLI and docs, which name them.
//
//   viewer    reads: cluster and node status, backup list/show/diff, schedule list
//   operator  also: backup create, verify, download, import
//   admin     also: backup restore and delete, schedule create/delete, ZooKeeper stop/start,
//             the audit log
//   cluster   the agents' own credential (agent to agent, and requests an agent forwards to the
//             coordinator after checking the caller's role itself); never an operator's token
#pragma once

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

// Whether a caller holding `role` (and the cluster credential when `cluster`) may use a route
// needing `access`. The cluster credential may use every route: agents forward operators'
// requests to each other only after checking the operator's role.
bool Permits(Access access, Role role, bool cluster);

}  // namespace lockstep::api
