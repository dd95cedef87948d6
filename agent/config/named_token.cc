#include "agent/config/named_token.h"

#include <set>

#include "api/token.h"

namespace lockstep::agent {
namespace {

bool ValidName(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  return name.find_first_not_of(
             "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") ==
         std::string::npos;
}

}  // namespace

Status CheckTokens(const std::vector<NamedToken>& tokens) {
  if (tokens.size() > kMaxTokens) {
    return InvalidArgument("has " + std::to_string(tokens.size()) + " tokens; at most " +
                           std::to_string(kMaxTokens) + " are allowed");
  }
  std::set<std::string> names, secrets;
  for (const auto& token : tokens) {
    if (!ValidName(token.name) || token.name == kClusterPrincipal) {
      return InvalidArgument("token name '" + token.name +
                             "' must be 1-64 of A-Z a-z 0-9 _ . - and not 'cluster'");
    }
    if (!names.insert(token.name).second) {
      return InvalidArgument("token name '" + token.name + "' appears twice; names must differ");
    }
    RETURN_IF_ERROR(api::CheckTokenLength(token.secret, "token '" + token.name + "'"));
    if (!secrets.insert(token.secret).second) {
      return InvalidArgument("token '" + token.name +
                             "' has the same secret as another token; give every token its own");
    }
  }
  return Status::Ok();
}

}  // namespace lockstep::agent
