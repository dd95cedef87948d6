// Matches a request against the agent's route table (routes.h) and calls its handler: the path
// against each route's pattern (api/paths.h), the caller's token, an agent's forward proof
// (forwarding.h) when the request carries one, the method, then the role the route needs (or
// the cluster credential, for an internal route). Where two patterns match, the one with more
// literal segments wins, so /v1/backups/import is never taken for /v1/backups/{id}. Immutable once
// built: safe to call from any number of server threads.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "agent/config/credentials.h"
#include "api/roles.h"
#include "common/http/message.h"

namespace lockstep::agent {

using api::Access;

// A route's {name} parameters, by name.
using PathParams = std::map<std::string, std::string>;
using RouteHandler = std::function<http::Reply(const http::Request&, const PathParams&)>;

struct Route {
  std::string method;
  std::string pattern;
  Access access = Access::kAdmin;
  bool internal = false;  // agent to agent; not part of the operators' API
  std::string summary;    // one line for the README's endpoint table
  RouteHandler handler;
  bool audit_reads = false;  // a GET worth recording (an archive leaving the cluster)
  // Answered at once from what the agent already knows (liveness, status): served on the
  // server's quick pool, never behind handlers that wait (http::ServerOptions::quick).
  bool quick = false;
};

// What the router learned about one request, for the audit log (audit.h).
struct Dispatched {
  const Route* route = nullptr;  // the route that matched path and method, if any
  PathParams params;
  std::optional<Principal> caller;  // who the token names, if anyone
  std::string via;  // the master that first received the request, when an agent forwarded it
};

class Router {
 public:
  // `now` gives the Unix time forward proofs are checked against (the real clock by default).
  Router(Credentials credentials, std::vector<Route> routes,
         std::function<int64_t()> now = nullptr);

  // 404 for an unknown path; 401 for a missing or unknown token (before anything is said about a
  // /v1 path) and for a forward proof that does not verify; 405 naming the methods a path accepts;
  // 403 naming the role the route needs and the caller's; otherwise the handler's reply.
  // `dispatched`, when given, is filled in.
  http::Reply Dispatch(const http::Request& request, Dispatched* dispatched = nullptr) const;
  // Whether the request's caller may use its route, judged on the head alone (no handler runs):
  // lets the server refuse an upload before writing a byte of it.
  bool Permits(const http::Request& head) const;
  // Whether the request's route is a quick one (Route::quick), judged on the head alone.
  bool Quick(const http::Request& head) const;
  const std::vector<Route>& routes() const { return routes_; }

 private:
  struct Match {
    const Route* route = nullptr;  // matched path and method
    std::string pattern;           // matched path; empty when none did
    PathParams params;
  };
  Match Find(const http::Request& request) const;

  // The reply once the request's identity is settled: 401 (saying why a DC/OS token was
  // refused, when `refusal` does), 404, 405, 403 or the handler's.
  http::Reply DispatchFound(const Match& match, const http::Request& request,
                            const std::optional<Principal>& caller,
                            const std::string& refusal) const;

  const Credentials credentials_;
  const std::vector<Route> routes_;
  const std::function<int64_t()> now_;
};

// The {name} parameters when `path` matches `pattern`, or nullopt; `literals` counts the
// pattern's literal segments (how specific the match is).
std::optional<PathParams> MatchPattern(const std::string& pattern, const std::string& path,
                                       int* literals);

// The 403 for `caller` asking for `route`: names the role the route needs and the caller's.
http::Reply Forbidden(const Route& route, const Principal& caller);

// The operators' endpoints (or, with `internal`, the agents' own) as a Markdown table (method,
// path, auth, what): docs/api.md's. The auth column is the role a route needs
// (api::AccessName).
std::string RouteTableMarkdown(const std::vector<Route>& routes, bool internal = false);

}  // namespace lockstep::agent
