#include "agent/config/dcos_tokens.h"

#include <sys/stat.h>

#include <cerrno>

#include "common/clock.h"
#include "common/file.h"
#include "common/log.h"

namespace lockstep::agent {

DcosTokens::DcosTokens(DcosAuthConfig config, std::function<int64_t()> now,
                       std::shared_ptr<IamDirectory> iam)
    : config_(std::move(config)),
      now_(now ? std::move(now) : UnixSecondsNow),
      iam_(std::move(iam)) {}

Result<DcosTokens::Stamp> DcosTokens::StampOf(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return ErrnoError("cannot read jwks_file", path, errno);
  if (st.st_mode & (S_IWGRP | S_IWOTH)) {
    return InvalidArgument("jwks_file " + path +
                           " is writable by group or others, and whoever can write it can mint "
                           "tokens: chmod go-w " +
                           path);
  }
  return Stamp{
      .mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec,
      .size = st.st_size,
      .inode = st.st_ino};
}

Result<jwt::KeySet> DcosTokens::ReadKeys(const std::string& path) {
  ASSIGN_OR_RETURN(std::string json, ReadSmallFile(path));
  Result<jwt::KeySet> keys = jwt::KeySet::FromJwks(json);
  if (!keys.ok()) return keys.status().Prepend("jwks_file " + path);
  return keys;
}

Result<std::shared_ptr<DcosTokens>> DcosTokens::Load(DcosAuthConfig config,
                                                     std::function<int64_t()> now,
                                                     std::shared_ptr<IamDirectory> iam) {
  if (!iam && !config.iam.url.empty()) {
    ASSIGN_OR_RETURN(iam, HttpIam::Open(config.iam));
  }
  std::shared_ptr<DcosTokens> tokens(
      new DcosTokens(std::move(config), std::move(now), std::move(iam)));
  const std::string& path = tokens->config_.jwks_file;
  ASSIGN_OR_RETURN(tokens->stamp_, StampOf(path));
  ASSIGN_OR_RETURN(jwt::KeySet keys, ReadKeys(path));
  tokens->keys_ = std::make_shared<const jwt::KeySet>(std::move(keys));
  tokens->checked_at_ = tokens->now_();
  return tokens;
}

std::shared_ptr<const jwt::KeySet> DcosTokens::Keys() const {
  std::lock_guard guard(mu_);
  const int64_t now = now_();
  if (now == checked_at_) return keys_;
  checked_at_ = now;
  Result<Stamp> stamp = StampOf(config_.jwks_file);
  if (!stamp.ok() || *stamp == stamp_) {
    if (!stamp.ok() && stamp_ != Stamp{}) {
      log::Warn("jwks_file unreadable: keeping the keys read before",
                {{"error", stamp.status().message()}});
      stamp_ = Stamp{};
    }
    return keys_;
  }
  stamp_ = *stamp;
  Result<jwt::KeySet> keys = ReadKeys(config_.jwks_file);
  if (!keys.ok()) {
    log::Warn("jwks_file changed but does not parse: keeping the keys read before",
              {{"error", keys.status().message()}});
    return keys_;
  }
  log::Info("jwks_file re-read", {{"keys", std::to_string(keys->size())}});
  keys_ = std::make_shared<const jwt::KeySet>(std::move(*keys));
  return keys_;
}

Result<DcosUser> DcosTokens::Identify(std::string_view token) const {
  std::shared_ptr<const jwt::KeySet> keys = Keys();
  ASSIGN_OR_RETURN(jwt::Claims claims, keys->Verify(token, now_()));
  if (auto listed = config_.roles.find(claims.uid); listed != config_.roles.end()) {
    return DcosUser{.uid = claims.uid, .role = listed->second};
  }
  if (iam_) return RoleFromIam(claims.uid, token);
  if (config_.default_role) return DcosUser{.uid = claims.uid, .role = config_.default_role};
  return DcosUser{.uid = claims.uid,
                  .why_no_role = "DC/OS user '" + claims.uid +
                                 "' has no role here: list it in [auth] dcos_roles on the agents"};
}

Result<DcosUser> DcosTokens::RoleFromIam(const std::string& uid, std::string_view token) const {
  ASSIGN_OR_RETURN(IamUser user, iam_->Lookup(uid, token));
  std::optional<api::Role> role;
  for (const std::string& group : user.groups) {
    auto mapped = config_.group_roles.find(group);
    if (mapped != config_.group_roles.end())
      role = std::max(role.value_or(mapped->second), mapped->second);
  }
  if (role) return DcosUser{.uid = uid, .role = role};
  if (user.Holds(kSuperuserPermission, "full"))
    return DcosUser{.uid = uid, .role = api::Role::kAdmin};
  if (user.Holds(kSystemBackupPermission, "full") && config_.default_role) {
    return DcosUser{.uid = uid, .role = config_.default_role};
  }
  return DcosUser{.uid = uid,
                  .why_no_role = "DC/OS user '" + uid + "' holds no " + kSystemBackupPermission +
                                 " (full) in the IAM and is in no group of [auth] "
                                 "dcos_group_roles; list it in [auth] dcos_roles, or grant it"};
}

}  // namespace lockstep::agent
