// The tokens file (`tokens_file` in agent.toml): named bearer tokens, each with a role.
//
//   # /etc/lockstep/tokens.toml, mode 0600, the same on every master
//   [[tokens]]
//   name = "ci-viewer"          # 1-64 of A-Z a-z 0-9 _ . -; the audit log's name for the caller
//   role = "viewer"             # viewer | operator | admin (api/roles.h)
//   token = "…"                 # at least 16 characters: openssl rand -hex 32
//
// The file holds passwords: it is refused when its group or other users have any access.
#pragma once

#include <string>
#include <vector>

#include "agent/config/named_token.h"
#include "common/status.h"

namespace lockstep::agent {

// Parses the file's text; `origin` names it in errors. Every entry checked (CheckTokens); an
// unknown key or a bad role stops with the entry's name and line.
Result<std::vector<NamedToken>> ParseTokens(const std::string& text, const std::string& origin);
// Reads and parses `path`, refusing a file others may read.
Result<std::vector<NamedToken>> LoadTokensFile(const std::string& path);

}  // namespace lockstep::agent
