#include "api/token.h"

#include <openssl/crypto.h>
#include <sys/stat.h>

#include "common/file.h"
#include "common/sha256.h"
#include "common/strings.h"

namespace lockstep::api {

Status CheckTokenLength(std::string_view token, const std::string& where) {
  if (token.size() >= kMinTokenLength) return Status::Ok();
  return InvalidArgument(where + " is shorter than " + std::to_string(kMinTokenLength) +
                         " characters; generate one with `openssl rand -hex 32`");
}

Result<std::string> LoadToken(const std::string& path, SecretFileRule rule) {
  ASSIGN_OR_RETURN(std::string secret, ReadSecretFile(path, rule, 4096));
  const std::string token = TrimSpace(secret);
  RETURN_IF_ERROR(CheckTokenLength(token, "token in " + path));
  return token;
}

std::optional<std::string_view> BearerToken(std::string_view authorization) {
  // "token=" is how DC/OS clients send their login token (and any token, there).
  for (std::string_view scheme : {"Bearer ", "token="}) {
    if (authorization.starts_with(scheme)) return authorization.substr(scheme.size());
  }
  return std::nullopt;
}

std::string TokenDigest(std::string_view token) { return Sha256Hex(token); }

bool DigestsEqual(const std::string& a, const std::string& b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool BearerMatches(const std::string& authorization, const std::string& token) {
  std::optional<std::string_view> presented = BearerToken(authorization);
  return presented && DigestsEqual(TokenDigest(*presented), TokenDigest(token));
}

}  // namespace lockstep::api
