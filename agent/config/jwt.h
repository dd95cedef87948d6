// DC/OS login tokens: JSON Web Tokens (RFC 7519) signed RS256 by the cluster's IAM, checked
// against the IAM's public keys as it publishes them (a JSON Web Key Set, RFC 7517). Only what a
// DC/OS token is, is accepted: a compact JWS whose header says `"alg": "RS256"` (never `none`,
// never HMAC, whatever the header claims), a signature that verifies with an RSA key of the set
// (at least 2048 bits; the header's `kid` picks it when given), an `exp` in the future and a
// `uid`. Every refusal says which of these failed, for the 401 and the agent's log.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace lockstep::jwt {

// What a verified token says.
struct Claims {
  std::string uid;
  int64_t expires_at = 0;  // Unix seconds
};

// Tokens longer than this are refused unparsed: a DC/OS token is well under 2 KiB.
inline constexpr size_t kMaxTokenBytes = 8192;

// Whether `token` has the shape of a compact JWS (three dot-separated base64url parts), so that it
// is worth verifying rather than comparing with named tokens only.
bool LooksLikeJwt(std::string_view token);

// The RSA public keys of a JSON Web Key Set. Immutable once parsed: safe to share between threads.
class KeySet {
 public:
  // `{"keys": [{"kty": "RSA", "n": …, "e": …, "kid": …, "alg": "RS256", "use": "sig"}, …]}`.
  // Keys of other types or uses are skipped; a set with no usable RSA key, a key whose `n` or
  // `e` is not base64url, or a modulus under 2048 bits is an error naming the key.
  static Result<KeySet> FromJwks(std::string_view json);

  // The token's claims when its signature verifies and it is valid at `now` (Unix seconds);
  // InvalidArgument naming what is wrong otherwise.
  Result<Claims> Verify(std::string_view token, int64_t now) const;

  size_t size() const { return keys_.size(); }

 private:
  struct Key {
    std::string kid;
    std::shared_ptr<void> public_key;  // EVP_PKEY, freed by its deleter
  };
  std::vector<Key> keys_;
};

// base64url without padding (RFC 7515 section 2): what a JWT's parts are written in.
std::string Base64UrlEncode(std::string_view bytes);
std::optional<std::string> Base64UrlDecode(std::string_view text);

}  // namespace lockstep::jwt
