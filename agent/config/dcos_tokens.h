// DC/OS login tokens as callers of the agent's API (agent.toml [auth]): a token the cluster's
// IAM signed (jwt.h) names a user by uid, and the role it has here is, in this order:
//   1. the uid's own entry in `dcos_roles`;
//   2. with an IAM to ask ([auth] iam_url, dcos_iam.h): the highest role `dcos_group_roles` gives
//      any of the user's DC/OS groups; else admin for holders of `dcos:superuser`, and
//      `dcos_default_role` (operator unless said otherwise) for holders of
//      `dcos:adminrouter:ops:system-backup`, the permission DC/OS's own backup API asks; else none;
//   3. without one: `dcos_default_role` for every uid, since the token itself carries no
//      permissions or groups.
// A user with no role is known but may do nothing (403, saying why); restoring and deleting need
// admin here as on Lockstep's own routes. The IAM's keys are re-read when their file changes, so
// a key rotation needs no restart.
#pragma once

#include <sys/types.h>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "agent/config/dcos_iam.h"
#include "agent/config/jwt.h"
#include "api/roles.h"
#include "common/status.h"

namespace lockstep::agent {

struct DcosAuthConfig {
  std::string jwks_file;  // the IAM's public keys (JSON Web Key Set); empty: DC/OS tokens off
  std::map<std::string, api::Role> roles;        // uid -> role
  std::map<std::string, api::Role> group_roles;  // DC/OS group id -> role (needs `iam`)
  // The role of a uid `roles` does not list (with an IAM: of a holder of the system-backup
  // permission); nullopt ("none"): no role.
  std::optional<api::Role> default_role = api::Role::kOperator;
  IamConfig iam;  // the IAM to ask for groups and permissions; its url empty: none
};

// The permission DC/OS's backup API asks of its callers, and DC/OS's all-powerful one.
inline constexpr char kSystemBackupPermission[] = "dcos:adminrouter:ops:system-backup";
inline constexpr char kSuperuserPermission[] = "dcos:superuser";

// Who a verified DC/OS token names, and what it may do here.
struct DcosUser {
  std::string uid;
  std::optional<api::Role> role;  // none: the user is known but may do nothing here
  std::string why_no_role;        // when role is none: what would give it one
};

// Thread-safe: the key set is swapped under a mutex when its file changes.
class DcosTokens {
 public:
  // Reads the key set now: a missing, unreadable, group- or world-writable (anyone who can
  // write it can mint tokens) or malformed file is an error naming it. `now` gives Unix seconds.
  // `iam` replaces the IAM config.iam names (tests).
  static Result<std::shared_ptr<DcosTokens>> Load(DcosAuthConfig config,
                                                  std::function<int64_t()> now = nullptr,
                                                  std::shared_ptr<IamDirectory> iam = nullptr);

  // The user a token names, or an error saying why it is refused (bad signature, expired, the
  // IAM not answering, …).
  Result<DcosUser> Identify(std::string_view token) const;

 private:
  DcosTokens(DcosAuthConfig config, std::function<int64_t()> now,
             std::shared_ptr<IamDirectory> iam);
  // Step 2 of the order above.
  Result<DcosUser> RoleFromIam(const std::string& uid, std::string_view token) const;
  // The current keys, re-read first when the file changed (checked at most once a second). A
  // file that no longer parses keeps the last good keys, and is logged once per change.
  std::shared_ptr<const jwt::KeySet> Keys() const;

  struct Stamp {
    int64_t mtime_ns = 0;
    off_t size = 0;
    ino_t inode = 0;
    bool operator==(const Stamp&) const = default;
  };
  static Result<Stamp> StampOf(const std::string& path);
  static Result<jwt::KeySet> ReadKeys(const std::string& path);

  const DcosAuthConfig config_;
  const std::function<int64_t()> now_;
  const std::shared_ptr<IamDirectory> iam_;
  mutable std::mutex mu_;
  mutable std::shared_ptr<const jwt::KeySet> keys_;
  mutable Stamp stamp_;
  mutable int64_t checked_at_ = 0;
};

}  // namespace lockstep::agent
