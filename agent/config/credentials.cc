#include "agent/config/credentials.h"

#include "agent/config/tokens_file.h"
#include "api/token.h"

namespace lockstep::agent {
namespace {

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

Credentials::Credentials(std::vector<NamedToken> tokens, std::string cluster_secret,
                         std::shared_ptr<const DcosTokens> dcos)
    : cluster_secret_(std::move(cluster_secret)),
      cluster_digest_(api::TokenDigest(cluster_secret_)),
      dcos_(std::move(dcos)) {
  for (auto& token : tokens) {
    known_.push_back({std::move(token.name), token.role, api::TokenDigest(token.secret)});
  }
}

std::string RoleLabel(const Principal& caller) {
  if (caller.role) return std::string(api::RoleName(*caller.role));
  return caller.cluster ? kClusterPrincipal : "none";
}

std::optional<Principal> Credentials::Identify(const std::string& authorization,
                                               std::string* refusal) const {
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
  if (found || !dcos_ || !jwt::LooksLikeJwt(*presented)) return found;
  Result<DcosUser> user = dcos_->Identify(*presented);
  if (!user.ok()) {
    if (refusal) *refusal = "DC/OS token refused: " + user.status().message();
    return std::nullopt;
  }
  return Principal{.name = kDcosPrincipalPrefix + user->uid,
                   .role = user->role,
                   .why_no_role = user->why_no_role};
}

Result<Credentials> LoadCredentials(const CredentialFiles& files) {
  if (files.token_file.empty() && files.tokens_file.empty()) {
    return InvalidArgument("set tokens_file (named tokens with roles) or token_file");
  }
  ASSIGN_OR_RETURN(std::vector<NamedToken> tokens, NamedTokens(files));
  std::shared_ptr<const DcosTokens> dcos;
  if (!files.dcos.jwks_file.empty()) {
    ASSIGN_OR_RETURN(dcos, DcosTokens::Load(files.dcos));
  }
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
    return Credentials(std::move(tokens), std::move(shared), std::move(dcos));
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
  return Credentials(std::move(tokens), std::move(cluster), std::move(dcos));
}

}  // namespace lockstep::agent
