// Tests only: an IAM of our own. Makes an RSA key, publishes it as a JSON Web Key Set, and signs
// tokens with it the way DC/OS's IAM does (RS256), or in any of the wrong ways a test needs.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace lockstep::testing {

class JwtSigner {
 public:
  // A fresh key of `bits` (2048 unless a test wants a weak one) named `kid`.
  explicit JwtSigner(std::string kid = "iam-1", int bits = 2048);

  // {"keys": [this key]}.
  std::string Jwks() const;
  // A compact JWS of `header_json`.`payload_json`, signed RS256 with this key.
  std::string Sign(const std::string& header_json, const std::string& payload_json) const;
  // A DC/OS login token for `uid` expiring at `exp` (Unix seconds).
  std::string Token(const std::string& uid, int64_t exp) const;
  const std::string& kid() const { return kid_; }

 private:
  std::string kid_;
  std::shared_ptr<void> key_;  // EVP_PKEY
};

}  // namespace lockstep::testing
