// DC/OS login tokens as callers of the agent's API (agent.toml [auth]): a token the cluster's
// IAM signed (jwt.h) names a user by uid, and `dcos_roles` says what that user may do here. A
// DC/OS token carries no permissions or groups, only the uid (the IAM keeps the rest): a uid not
// listed gets `dcos_default_role`, operator unless said otherwise, which is what holders of
// `dcos:adminrouter:ops:system-backup` could do through DC/OS's own backup API, save restoring
// and deleting, which need admin here as on Lockstep's own routes. The IAM's keys are re-read
// when their file changes, so a key rotation needs no restart.
#pragma once

#include <sys/types.h>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "agent/config/jwt.h"
#include "api/roles.h"
#include "common/status.h"

namespace lockstep::agent {

struct DcosAuthConfig {
  std::string jwks_file;  // the IAM's public keys (JSON Web Key Set); empty: DC/OS tokens off
  std::map<std::string, api::Role> roles;  // uid -> role
  // The role of a uid `roles` does not list; nullopt ("none"): such a token is refused.
  std::optional<api::Role> default_role = api::Role::kOperator;
};

// Who a verified DC/OS token names.
struct DcosUser {
  std::string uid;
  api::Role role = api::Role::kViewer;
};

// Thread-safe: the key set is swapped under a mutex when its file changes.
class DcosTokens {
 public:
  // Reads the key set now: a missing, unreadable, group- or world-writable (anyone who can
  // write it can mint tokens) or malformed file is an error naming it. `now` gives Unix seconds.
  static Result<std::shared_ptr<DcosTokens>> Load(DcosAuthConfig config,
                                                  std::function<int64_t()> now = nullptr);

  // The user a token names, or InvalidArgument saying why it is refused (bad signature,
  // expired, no role here, …).
  Result<DcosUser> Identify(std::string_view token) const;

 private:
  DcosTokens(DcosAuthConfig config, std::function<int64_t()> now);
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
  mutable std::mutex mu_;
  mutable std::shared_ptr<const jwt::KeySet> keys_;
  mutable Stamp stamp_;
  mutable int64_t checked_at_ = 0;
};

}  // namespace lockstep::agent
