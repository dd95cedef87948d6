// A named bearer token and the rules every set of them obeys, shared by the tokens file
// (tokens_file.h), which reads them, and the credentials (credentials.h), which check callers
// against them.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "api/roles.h"
#include "common/status.h"

namespace lockstep::agent {

struct NamedToken {
  std::string name;  // what the audit log and refusals call the caller
  api::Role role = api::Role::kViewer;
  std::string secret;
};

// The name a caller holding only the cluster credential goes by (no token may take it).
inline constexpr char kClusterPrincipal[] = "cluster";

// At most this many tokens: the check of every request compares them all.
inline constexpr size_t kMaxTokens = 256;

// Names (1-64 of A-Z a-z 0-9 _ . -, "cluster" reserved) and secrets unique, secrets long enough,
// at most kMaxTokens.
Status CheckTokens(const std::vector<NamedToken>& tokens);

}  // namespace lockstep::agent
