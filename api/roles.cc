#include "api/roles.h"

#include <array>

namespace lockstep::api {
namespace {

constexpr std::array<Role, 3> kRoles = {Role::kViewer, Role::kOperator, Role::kAdmin};

}  // namespace

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kViewer:
      return "viewer";
    case Role::kOperator:
      return "operator";
    case Role::kAdmin:
      return "admin";
  }
  return "unknown";
}

std::string RoleWithArticle(Role role) {
  const std::string_view name = RoleName(role);
  const bool vowel = name.find_first_of("aeiou") == 0;
  return std::string(vowel ? "an " : "a ") + std::string(name);
}

Result<Role> ParseRole(std::string_view name) {
  for (Role role : kRoles) {
    if (RoleName(role) == name) return role;
  }
  return InvalidArgument("unknown role '" + std::string(name) +
                         "'; a token's role is viewer, operator or admin");
}

std::string_view AccessName(Access access) {
  switch (access) {
    case Access::kOpen:
      return "open";
    case Access::kViewer:
      return "viewer";
    case Access::kOperator:
      return "operator";
    case Access::kAdmin:
      return "admin";
    case Access::kCluster:
      return "cluster";
  }
  return "unknown";
}

bool NeedsRole(Access access) {
  return access == Access::kViewer || access == Access::kOperator || access == Access::kAdmin;
}

Role RoleFor(Access access) {
  switch (access) {
    case Access::kViewer:
      return Role::kViewer;
    case Access::kOperator:
      return Role::kOperator;
    default:
      return Role::kAdmin;
  }
}

bool Permits(Access access, std::optional<Role> role, bool cluster) {
  if (access == Access::kOpen) return true;
  if (access == Access::kCluster) return cluster;
  return role && static_cast<int>(*role) >= static_cast<int>(RoleFor(access));
}

}  // namespace lockstep::api
