// What the DC/OS IAM says of a caller, so roles can follow DC/OS groups and permissions
// (dcos_tokens.h): the groups a uid belongs to and the permissions it holds, directly or through
// a group, asked of the IAM's API (GET URL/users/UID/groups and URL/users/UID/permissions, as the
// DC/OS UI and dcos-go's authorizer read them) and kept for `cache_for`, so a burst of requests
// asks once and an IAM change is seen within that time.
//
// The IAM is asked with the agent's own DC/OS service-account token when `token_file` is set
// (reading another user's memberships needs an IAM permission an ordinary user lacks), else with
// the caller's own token, which then answers only about that caller. Either way the lookup only
// reads the IAM: no caller's token is used for anything else, nor the agent's on a caller's behalf.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/http/client.h"
#include "common/status.h"

namespace lockstep::agent {

struct IamConfig {
  std::string url;         // the IAM's API, e.g. https://master.mesos/acs/api/v1; empty: none
  std::string token_file;  // the agent's service-account login token (0600); empty: the caller's
  std::string ca_file;     // the CA of the IAM's TLS certificate; empty: the system's
  std::chrono::seconds cache_for{60};
};

struct IamUser {
  std::vector<std::string> groups;
  // Resource id -> the actions held on it, directly or through a group.
  std::map<std::string, std::set<std::string>> permissions;
  // Whether `action` is held on `rid` (an ACL's "full" holds every action).
  bool Holds(const std::string& rid, const std::string& action) const;
};

// Both IAM answers as one IamUser; InvalidArgument naming the answer that does not parse.
Result<IamUser> ParseIamUser(std::string_view groups_json, std::string_view permissions_json);

// What DC/OS allows in a uid (letters, digits and @ . _ -, 1-96 characters), checked before a
// uid goes into an IAM URL.
Status CheckIamUid(std::string_view uid);

class IamDirectory {
 public:
  virtual ~IamDirectory() = default;
  // What the IAM says of `uid`, named by the verified token `caller_token`.
  virtual Result<IamUser> Lookup(const std::string& uid, std::string_view caller_token) = 0;
};

// The IAM over HTTP(S). Thread-safe. At most kMaxCachedUsers answers are kept; failures are not
// cached, so an IAM that answers again is used at once.
class HttpIam : public IamDirectory {
 public:
  static constexpr size_t kMaxCachedUsers = 4096;

  // Checks the URL, and the token file's permissions when one is named (read again at each
  // lookup that reaches the IAM, so a renewed token needs no restart).
  static Result<std::unique_ptr<HttpIam>> Open(IamConfig config,
                                               Clock& clock = RealClockInstance());

  Result<IamUser> Lookup(const std::string& uid, std::string_view caller_token) override;

 private:
  HttpIam(IamConfig config, http::Url url, http::Client client, Clock& clock);
  Result<IamUser> Ask(const std::string& uid, std::string_view caller_token) const;
  Result<std::string> Get(const std::string& path, const std::string& authorization) const;
  void Remember(const std::string& uid, const IamUser& user);

  struct Cached {
    Clock::TimePoint at;
    IamUser user;
  };
  const IamConfig config_;
  const http::Url url_;
  const http::Client client_;
  Clock& clock_;
  std::mutex mu_;
  std::map<std::string, Cached> cache_;
};

}  // namespace lockstep::agent
