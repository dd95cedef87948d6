// Who a request comes from: the agent's named tokens (each with a role) and the cluster
// credential the agents use among themselves. Built once at start-up from agent.toml's
// `token_file`, `tokens_file` and `cluster_token_file` (LoadCredentials); immutable afterwards,
// so safe to share between every server thread. Secrets never leave this class: principals
// carry names and roles only.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "agent/config/named_token.h"
#include "api/roles.h"
#include "common/status.h"

namespace lockstep::agent {

// The caller a bearer token identified.
struct Principal {
  std::string name;
  // The named token's role; none for the cluster credential, which no operator's route accepts.
  std::optional<api::Role> role;
  bool cluster = false;  // holds the cluster credential (an agent, or a legacy shared token)
};

// The name of the single token of `token_file`, kept as one admin token.
inline constexpr char kLegacyTokenName[] = "admin";

class Credentials {
 public:
  // `tokens` checked by CheckTokens; `cluster_secret` non-empty.
  Credentials(std::vector<NamedToken> tokens, std::string cluster_secret);

  // The caller `authorization` ("Bearer <token>") names, or nullopt for a missing or unknown
  // token. The presented token is hashed once and compared with every token's digest, in
  // constant time each, whichever matches.
  std::optional<Principal> Identify(const std::string& authorization) const;
  // What this agent presents to its peers.
  const std::string& cluster_secret() const { return cluster_secret_; }

 private:
  // A named token as kept: its digest, not its secret.
  struct Known {
    std::string name;
    api::Role role;
    std::string digest;
  };
  std::vector<Known> known_;
  std::string cluster_secret_;
  std::string cluster_digest_;
};

// The credentials agent.toml names:
// - `token_file` (the original single shared token): one admin token named "admin";
// - `tokens_file`: named tokens with roles (tokens_file.h);
// - `cluster_token_file`: the cluster credential. Without it, `token_file`'s token serves as the
//   cluster credential, as it always has; with only `tokens_file` the agent refuses to start
//   rather than promote an operator's token to the cluster's or invent a secret its peers
//   don't share.
// At least one of token_file and tokens_file is required. The cluster credential must differ from
// every named token except that legacy fallback.
struct CredentialFiles {
  std::string token_file;
  std::string tokens_file;
  std::string cluster_token_file;
};
Result<Credentials> LoadCredentials(const CredentialFiles& files);

}  // namespace lockstep::agent
