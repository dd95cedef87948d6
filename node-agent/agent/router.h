// Matches a request against the agent's route table (routes.h) and calls its handler: the path
// against each route's pattern (api/paths.h), the bearer token for routes that need it, the
// method last. Where two patterns match, the one with more literal segments wins, so
// /v1/backups/import is never taken for /v1/backups/{id}. Immutable once built: safe to call
// from any number of server threads.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/http/message.h"

namespace lockstep::agent {

enum class Access { kOpen, kToken };

// A route's {name} parameters, by name.
using PathParams = std::map<std::string, std::string>;
using RouteHandler = std::function<http::Reply(const http::Request&, const PathParams&)>;

struct Route {
  std::string method;
  std::string pattern;
  Access access = Access::kToken;
  bool internal = false;  // agent to agent; not part of the operators' API
  std::string summary;    // one line for the README's endpoint table
  RouteHandler handler;
};

class Router {
 public:
  Router(std::string token, std::vector<Route> routes);

  // 404 for an unknown path, 401 for a missing or wrong token, 405 naming the methods a path
  // accepts; otherwise the handler's reply.
  http::Reply Dispatch(const http::Request& request) const;
  const std::vector<Route>& routes() const { return routes_; }

 private:
  const std::string token_;
  const std::vector<Route> routes_;
};

// The {name} parameters when `path` matches `pattern`, or nullopt; `literals` counts the
// pattern's literal segments (how specific the match is).
std::optional<PathParams> MatchPattern(const std::string& pattern, const std::string& path,
                                       int* literals);

// The operators' endpoints as a Markdown table (method, path, auth, what): the README's.
std::string RouteTableMarkdown(const std::vector<Route>& routes);

}  // namespace lockstep::agent
