#include "agent/http/router.h"

#include <algorithm>
#include <optional>

#include "agent/http/forwarding.h"
#include "common/clock.h"
#include "common/json_escape.h"
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

Router::Router(Credentials credentials, std::vector<Route> routes, std::function<int64_t()> now)
    : credentials_(std::move(credentials)),
      routes_(std::move(routes)),
      now_(now ? std::move(now) : UnixSecondsNow) {}

Router::Match Router::Find(const http::Request& request) const {
  // The most specific pattern matching the path, then its route for the method.
  Match match;
  int best = -1;
  for (const auto& route : routes_) {
    int literals = 0;
    auto matched = MatchPattern(route.pattern, request.path, &literals);
    if (matched && literals > best) {
      best = literals;
      match.pattern = route.pattern;
      match.params = std::move(*matched);
    }
  }
  for (const auto& route : routes_) {
    if (route.pattern == match.pattern && route.method == request.method) match.route = &route;
  }
  return match;
}

// What a 403 says: what the route needs, and why the caller's token does not do.
std::string WhyForbidden(const Route& route, const Principal& caller) {
  const std::string what = route.method + " " + route.pattern;
  if (route.access == Access::kCluster) {
    return what + " is for the agents' cluster credential only; token '" + caller.name + "' is " +
           api::RoleWithArticle(caller.role.value_or(api::Role::kViewer)) + " token";
  }
  const std::string needed(api::RoleName(api::RoleFor(route.access)));
  const std::string needs = what + " needs the " + needed + " role; ";
  if (caller.role) {
    return needs + "token '" + caller.name + "' is " + api::RoleWithArticle(*caller.role) +
           ": use a token with the " + needed + " role (tokens_file on the agents)";
  }
  if (caller.cluster) {
    return needs +
           "the cluster credential is for the agents' /v1/internal/ routes only and acts for no "
           "operator: use a named token (tokens_file on the agents)";
  }
  return needs + caller.why_no_role;  // a known caller given no role here
}

http::Reply Forbidden(const Route& route, const Principal& caller) {
  const std::string message = WhyForbidden(route, caller);
  http::Reply reply{.status = 403};
  reply.body = "{\"error\":\"" + JsonEscape(message) +
               "\",\"code\":\"forbidden\",\"needed_role\":\"" +
               std::string(api::AccessName(route.access)) + "\",\"token\":\"" +
               JsonEscape(caller.name) + "\",\"token_role\":\"" + RoleLabel(caller) + "\"}";
  return reply;
}

http::Reply Router::Dispatch(const http::Request& request, Dispatched* dispatched) const {
  Match match = Find(request);
  std::string refusal;
  std::optional<Principal> caller = credentials_.Identify(request.authorization, &refusal);
  if (dispatched) {
    dispatched->route = match.route;
    dispatched->params = match.params;
    dispatched->caller = caller;
  }
  if (!request.forward_proof.empty()) {
    // An agent says it forwards this caller's request: believed only when it proves it.
    Result<std::string> via = CheckForwardProof(credentials_.cluster_secret(), request, now_());
    if (!via.ok()) return http::ErrorReply(401, "unauthorized", via.status().message());
    if (dispatched) dispatched->via = *via;
    http::Request forwarded = request;
    forwarded.forwarded_by = *via;
    return DispatchFound(match, forwarded, caller, refusal);
  }
  return DispatchFound(match, request, caller, refusal);
}

http::Reply Router::DispatchFound(const Match& match, const http::Request& request,
                                  const std::optional<Principal>& caller,
                                  const std::string& refusal) const {
  const bool known = !match.pattern.empty();
  const bool open = known && std::all_of(routes_.begin(), routes_.end(), [&](const Route& r) {
                      return r.pattern != match.pattern || r.access == Access::kOpen;
                    });
  // The token is checked before anything is said about a /v1 path, known or not.
  if (!open && (known || request.path.starts_with("/v1/")) && !caller) {
    return http::ErrorReply(401, "unauthorized",
                            !refusal.empty()
                                ? refusal
                                : "missing or unknown bearer token; pass --token-file (or set "
                                  "LOCKSTEP_TOKEN_FILE) with one of the cluster's tokens");
  }
  if (!known) return http::ErrorReply(404, "not_found", "no such endpoint: " + request.path);
  if (!match.route) {
    std::string accepted;
    for (const auto& route : routes_) {
      if (route.pattern == match.pattern)
        accepted += (accepted.empty() ? "" : " or ") + route.method;
    }
    return http::ErrorReply(405, "method_not_allowed",
                            request.path + " accepts " + accepted + ", not " + request.method);
  }
  if (match.route->access != Access::kOpen &&
      !api::Permits(match.route->access, caller->role, caller->cluster)) {
    return Forbidden(*match.route, *caller);
  }
  return match.route->handler(request, match.params);
}

bool Router::Permits(const http::Request& head) const {
  Match match = Find(head);
  if (!match.route) return false;
  if (match.route->access == Access::kOpen) return true;
  std::optional<Principal> caller = credentials_.Identify(head.authorization);
  return caller && api::Permits(match.route->access, caller->role, caller->cluster);
}

bool Router::Quick(const http::Request& head) const {
  Match match = Find(head);
  return match.route && match.route->quick;
}

std::string RouteTableMarkdown(const std::vector<Route>& routes, bool internal) {
  std::string table = "| method | path | auth | what |\n|---|---|---|---|\n";
  for (const auto& route : routes) {
    if (route.internal != internal) continue;
    table += "| " + route.method + " | `" + route.pattern + "` | " +
             std::string(api::AccessName(route.access)) + " | " + route.summary + " |\n";
  }
  return table;
}

}  // namespace lockstep::agent
