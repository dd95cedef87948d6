#include "agent/config/dcos_iam.h"

#include <algorithm>
#include <cctype>

#include "api/token.h"
#include "common/http/tls.h"
#include "common/http/url.h"
#include "common/log.h"
#include "proto/dcos.pb.h"
#include "proto/json.h"

namespace lockstep::agent {
namespace {

constexpr auto kIamTimeout = std::chrono::seconds(5);

// The service account's login token, read as every token file is (owner-only, trimmed).
Result<std::string> ServiceToken(const std::string& path) {
  Result<std::string> token = api::LoadToken(path, SecretFileRule::kOwnerOnly);
  if (!token.ok()) return token.status().Prepend("[auth] iam_token_file");
  return token;
}

void AddActions(const proto::IamPermission& permission, IamUser& user) {
  std::set<std::string>& actions = user.permissions[permission.rid()];
  for (const auto& action : permission.actions()) actions.insert(action.name());
}

}  // namespace

bool IamUser::Holds(const std::string& rid, const std::string& action) const {
  auto held = permissions.find(rid);
  return held != permissions.end() && (held->second.count(action) || held->second.count("full"));
}

Result<IamUser> ParseIamUser(std::string_view groups_json, std::string_view permissions_json) {
  proto::IamUserGroups groups;
  RETURN_IF_ERROR(proto::FromJson(std::string(groups_json), &groups, true)
                      .Prepend("the IAM's list of the user's groups"));
  proto::IamUserPermissions permissions;
  RETURN_IF_ERROR(proto::FromJson(std::string(permissions_json), &permissions, true)
                      .Prepend("the IAM's list of the user's permissions"));
  IamUser user;
  for (const auto& membership : groups.array()) {
    if (!membership.group().gid().empty()) user.groups.push_back(membership.group().gid());
  }
  for (const auto& permission : permissions.direct()) AddActions(permission, user);
  for (const auto& permission : permissions.groups()) AddActions(permission, user);
  return user;
}

Status CheckIamUid(std::string_view uid) {
  auto allowed = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '@' || c == '.' || c == '_' ||
           c == '-';
  };
  if (uid.empty() || uid.size() > 96 || !std::all_of(uid.begin(), uid.end(), allowed)) {
    return InvalidArgument("the token's uid is not a DC/OS uid (letters, digits, @ . _ -)");
  }
  return Status::Ok();
}

HttpIam::HttpIam(IamConfig config, http::Url url, http::Client client, Clock& clock)
    : config_(std::move(config)), url_(std::move(url)), client_(std::move(client)), clock_(clock) {}

Result<std::unique_ptr<HttpIam>> HttpIam::Open(IamConfig config, Clock& clock) {
  Result<http::Url> url = http::ParseUrl(config.url);
  if (!url.ok()) return url.status().Prepend("[auth] iam_url");
  std::shared_ptr<boost::asio::ssl::context> tls;
  if (url->tls) {
    ASSIGN_OR_RETURN(tls, http::MakeClientContext({.ca_file = config.ca_file}));
  }
  if (!config.token_file.empty()) RETURN_IF_ERROR(ServiceToken(config.token_file).status());
  return std::unique_ptr<HttpIam>(
      new HttpIam(std::move(config), std::move(*url), http::Client(tls), clock));
}

Result<IamUser> HttpIam::Lookup(const std::string& uid, std::string_view caller_token) {
  RETURN_IF_ERROR(CheckIamUid(uid));
  {
    std::lock_guard guard(mu_);
    auto cached = cache_.find(uid);
    if (cached != cache_.end() && clock_.Now() - cached->second.at < config_.cache_for) {
      return cached->second.user;
    }
  }
  Result<IamUser> user = Ask(uid, caller_token);
  if (!user.ok()) {
    log::Warn("the DC/OS IAM did not say what the user may do",
              {{"uid", uid}, {"error", user.status().message()}});
    return user;
  }
  Remember(uid, *user);
  return user;
}

Result<IamUser> HttpIam::Ask(const std::string& uid, std::string_view caller_token) const {
  std::string token(caller_token);
  if (!config_.token_file.empty()) {
    ASSIGN_OR_RETURN(token, ServiceToken(config_.token_file));
  }
  const std::string authorization = "token=" + token;
  const std::string user = "/users/" + http::PercentEncode(uid, false);
  ASSIGN_OR_RETURN(std::string groups, Get(user + "/groups", authorization));
  ASSIGN_OR_RETURN(std::string permissions, Get(user + "/permissions", authorization));
  return ParseIamUser(groups, permissions);
}

Result<std::string> HttpIam::Get(const std::string& path, const std::string& authorization) const {
  const std::string where = config_.url + path;
  Result<http::Reply> reply = client_.Call(url_, {.method = "GET",
                                                  .target = url_.path + path,
                                                  .authorization = authorization,
                                                  .accept = "application/json",
                                                  .timeout = kIamTimeout,
                                                  .reply_limit = 1 << 20});
  if (!reply.ok()) return reply.status().Prepend("the IAM at " + where);
  if (reply->status != 200) {
    return Status(StatusCode::kUnavailable,
                  "the IAM at " + where + " answered HTTP " + std::to_string(reply->status) +
                      (reply->status == 401 || reply->status == 403
                           ? ": the token it was asked with may not read users (set "
                             "[auth] iam_token_file to a service account that may)"
                           : ""));
  }
  return std::move(reply->body);
}

void HttpIam::Remember(const std::string& uid, const IamUser& user) {
  const Clock::TimePoint now = clock_.Now();
  std::lock_guard guard(mu_);
  if (cache_.size() >= kMaxCachedUsers) {
    // Bounded whatever the number of users: drop what has expired, or everything if nothing has.
    std::erase_if(cache_,
                  [&](const auto& entry) { return now - entry.second.at >= config_.cache_for; });
    if (cache_.size() >= kMaxCachedUsers) cache_.clear();
  }
  cache_[uid] = Cached{now, user};
}

}  // namespace lockstep::agent
