#include "node-agent/agent/router.h"

#include <algorithm>
#include <optional>

#include "api/token.h"
#include "common/strings.h"

namespace lockstep::agent {

std::optional<PathParams> MatchPattern(const std::string& pattern, const std::string& path,
                                       int* literals) {
  const std::vector<std::string> want = SplitNonEmpty(pattern, '/');
  const std::vector<std::string> have = SplitNonEmpty(path, '/');
  if (want.size() != have.size()) return std::nullopt;
  PathParams params;
  int literal = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    if (want[i].size() > 2 && want[i].front() == '{' && want[i].back() == '}') {
      params[want[i].substr(1, want[i].size() - 2)] = have[i];
    } else if (want[i] == have[i]) {
      ++literal;
    } else {
      return std::nullopt;
    }
  }
  if (literals) *literals = literal;
  return params;
}

Router::Router(std::string token, std::vector<Route> routes)
    : token_(std::move(token)), routes_(std::move(routes)) {}

http::Reply Router::Dispatch(const http::Request& request) const {
  // The most specific pattern matching the path; every route that has it.
  int best = -1;
  std::string pattern;
  PathParams params;
  for (const auto& route : routes_) {
    int literals = 0;
    auto matched = MatchPattern(route.pattern, request.path, &literals);
    if (matched && literals > best) {
      best = literals;
      pattern = route.pattern;
      params = std::move(*matched);
    }
  }
  // The token is checked before anything is said about a /v1 path, known or not.
  const bool open = best >= 0 && std::all_of(routes_.begin(), routes_.end(), [&](const Route& r) {
                      return r.pattern != pattern || r.access == Access::kOpen;
                    });
  if (!open && (best >= 0 || request.path.starts_with("/v1/")) &&
      !api::BearerMatches(request.authorization, token_)) {
    return http::ErrorReply(401, "unauthorized",
                            "missing or wrong bearer token; pass --token-file (or set "
                            "LOCKSTEP_TOKEN_FILE) with the cluster's token");
  }
  if (best < 0) return http::ErrorReply(404, "not_found", "no such endpoint: " + request.path);
  std::string accepted;
  for (const auto& route : routes_) {
    if (route.pattern != pattern) continue;
    if (route.method == request.method) return route.handler(request, params);
    accepted += (accepted.empty() ? "" : " or ") + route.method;
  }
  return http::ErrorReply(405, "method_not_allowed",
                          request.path + " accepts " + accepted + ", not " + request.method);
}

std::string RouteTableMarkdown(const std::vector<Route>& routes) {
  std::string table = "| method | path | auth | what |\n|---|---|---|---|\n";
  for (const auto& route : routes) {
    if (route.internal) continue;
    table += "| " + route.method + " | `" + route.pattern + "` | " +
             (route.access == Access::kOpen ? "open" : "token") + " | " + route.summary + " |\n";
  }
  return table;
}

}  // namespace lockstep::agent
