#include "agent/config/zk_auth.h"

#include <algorithm>
#include <cctype>
#include <sstream>

#include "common/secret_file.h"
#include "common/strings.h"

namespace lockstep::agent {

Result<std::vector<ZkAuth>> ParseZkAuth(const std::string& text, const std::string& origin) {
  std::vector<ZkAuth> auth;
  int number = 0;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    ++number;
    line = TrimSpace(line);
    if (line.empty() || line.front() == '#') continue;
    const std::string where = origin + ": line " + std::to_string(number);
    const size_t colon = line.find(':');
    // Only the scheme is ever repeated: the rest is the secret.
    if (colon == std::string::npos || colon == 0 || colon + 1 == line.size()) {
      return InvalidArgument(where + ": expected scheme:credential (e.g. digest:user:password)");
    }
    ZkAuth entry{line.substr(0, colon), line.substr(colon + 1)};
    if (!std::all_of(entry.scheme.begin(), entry.scheme.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)); })) {
      return InvalidArgument(where + ": the scheme must be letters and digits (digest, ip, …)");
    }
    if (entry.scheme == "digest" && entry.credential.find(':') == std::string::npos) {
      return InvalidArgument(where + ": a digest credential is user:password");
    }
    auth.push_back(std::move(entry));
  }
  if (auth.size() > kMaxZkAuth) {
    return InvalidArgument(origin + ": " + std::to_string(auth.size()) + " credentials; at most " +
                           std::to_string(kMaxZkAuth));
  }
  return auth;
}

Result<std::vector<ZkAuth>> LoadZkAuth(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, ReadSecretFile(path, SecretFileRule::kOwnerOnly, 64 << 10));
  return ParseZkAuth(text, "auth_file " + path);
}

}  // namespace lockstep::agent
