#include "node-agent/agent/credentials.h"

#include <set>

#include "api/token.h"
#include "node-agent/agent/tokens_file.h"

namespace lockstep::agent {
namespace {

bool ValidName(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  return name.find_first_not_of(
             "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") ==
         std::string::npos;
}

Result<std::vector<NamedToken>> NamedTokens(const CredentialFiles& files) {
  std::vector<NamedToken> tokens;
  if (!files.token_file.empty()) {
    ASSIGN_OR_RETURN(std::string secret, api::LoadToken(files.token_file));
    tokens.push_back({kLegacyTokenName, api::Role::kAdmin, std::move(secret)});
  }
  if (!files.tokens_file.empty()) {
    ASSIGN_OR_RETURN(std::vector<NamedToken> named, LoadTokensFile(files.tokens_file));
    for (auto& token : named) tokens.push_back(std::move(token));
  }
  RETURN_IF_ERROR(CheckTokens(tokens).Prepend(
      files.token_file.empty() ? files.tokens_file
                               : "token_file " + files.token_file + " with " + files.tokens_file));
  return tokens;
}

}  // namespace

Credentials::Credentials(std::vector<NamedToken> tokens, std::string cluster_secret)
    : cluster_secret_(std::move(cluster_secret)),
      cluster_digest_(api::TokenDigest(cluster_secret_)) {
  for (auto& token : tokens) {
    known_.push_back({std::move(token.name), token.role, api::TokenDigest(token.secret)});
  }
}

std::optional<Principal> Credentials::Identify(const std::string& authorization) const {
  std::optional<std::string_view> presented = api::BearerToken(authorization);
  if (!presented) return std::nullopt;
  const std::string digest = api::TokenDigest(*presented);
  // No early exit: how long the check takes says nothing about which token (if any) matched.
  std::optional<Principal> found;
  for (const auto& token : known_) {
    if (api::DigestsEqual(digest, token.digest) && !found) {
      found = Principal{.name = token.name, .role = token.role};
    }
  }
  if (api::DigestsEqual(digest, cluster_digest_)) {
    if (!found) found = Principal{.name = kClusterPrincipal};
    found->cluster = true;
  }
  return found;
}

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

Result<Credentials> LoadCredentials(const CredentialFiles& files) {
  if (files.token_file.empty() && files.tokens_file.empty()) {
    return InvalidArgument("set tokens_file (named tokens with roles) or token_file");
  }
  ASSIGN_OR_RETURN(std::vector<NamedToken> tokens, NamedTokens(files));
  if (files.cluster_token_file.empty()) {
    if (files.token_file.empty()) {
      return InvalidArgument(
          "tokens_file needs cluster_token_file: the agents' own credential, never an "
          "operator's token. Create it once (openssl rand -hex 32 > /etc/lockstep/cluster-token; "
          "chmod 600 /etc/lockstep/cluster-token), copy it to every master and set "
          "cluster_token_file");
    }
    // The original deployments: one shared token, also what the agents present to each other.
    std::string shared = tokens.front().secret;
    return Credentials(std::move(tokens), std::move(shared));
  }
  ASSIGN_OR_RETURN(std::string cluster,
                   api::LoadToken(files.cluster_token_file, api::SecretFileRule::kOwnerOnly));
  for (const auto& token : tokens) {
    if (token.secret == cluster) {
      return InvalidArgument("cluster_token_file " + files.cluster_token_file +
                             " holds the same secret as token '" + token.name +
                             "'; the cluster credential must be the agents' own: generate another");
    }
  }
  return Credentials(std::move(tokens), std::move(cluster));
}

}  // namespace lockstep::agent
