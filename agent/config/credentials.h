// Who a request comes from: the agent's named tokens (each with a role), DC/OS login tokens when
// [auth] jwks_file is set (dcos_tokens.h), and the cluster credential the agents use among
// themselves. Built once at start-up from agent.toml's
// `token_file`, `tokens_file` and `cluster_token_file` (LoadCredentials); immutable afterwards,
// so safe to share between every server thread. Secrets never leave this class: principals
// carry names and roles only.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "agent/config/dcos_tokens.h"
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
  // A caller known but given no role here (a DC/OS user): why, and what would give it one.
  std::string why_no_role;
};

// What the audit log and a 403 say of a caller's role: its name, "cluster" for the cluster
// credential, "none" for a known caller given no role here.
std::string RoleLabel(const Principal& caller);

// The name of the single token of `token_file`, kept as one admin token.
inline constexpr char kLegacyTokenName[] = "admin";

class Credentials {
 public:
  // `tokens` checked by CheckTokens; `cluster_secret` non-empty; `dcos` null unless DC/OS tokens
  // are accepted.
  Credentials(std::vector<NamedToken> tokens, std::string cluster_secret,
              std::shared_ptr<const DcosTokens> dcos = nullptr);

  // The caller `authorization` ("Bearer <token>" or "token=<token>") names, or nullopt for a
  // missing or unknown token, with why in `refusal` when a DC/OS token was refused. The presented
  // token is hashed once and compared with every token's digest, in constant time each,
  // whichever matches; only a token matching none that has a JWT's shape is verified as a DC/OS
  // token, whose caller is named "dcos:<uid>" (no named token can take that name).
  std::optional<Principal> Identify(const std::string& authorization,
                                    std::string* refusal = nullptr) const;
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
  std::shared_ptr<const DcosTokens> dcos_;
};

// The prefix of a DC/OS user's principal name.
inline constexpr char kDcosPrincipalPrefix[] = "dcos:";

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
  DcosAuthConfig dcos;  // [auth]; DC/OS tokens are accepted when its jwks_file is set
};
Result<Credentials> LoadCredentials(const CredentialFiles& files);

}  // namespace lockstep::agent
