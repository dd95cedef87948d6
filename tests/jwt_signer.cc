#include "tests/jwt_signer.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <stdexcept>
#include <vector>

#include "agent/config/jwt.h"

namespace lockstep::testing {
namespace {

EVP_PKEY* Key(const std::shared_ptr<void>& key) { return static_cast<EVP_PKEY*>(key.get()); }

std::string BigEndian(EVP_PKEY* key, const char* name) {
  BIGNUM* value = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &value) != 1) throw std::runtime_error("no RSA param");
  std::string bytes(static_cast<size_t>(BN_num_bytes(value)), '\0');
  BN_bn2bin(value, reinterpret_cast<unsigned char*>(bytes.data()));
  BN_free(value);
  return bytes;
}

}  // namespace

JwtSigner::JwtSigner(std::string kid, int bits) : kid_(std::move(kid)) {
  EVP_PKEY* key = EVP_RSA_gen(static_cast<unsigned>(bits));
  if (!key) throw std::runtime_error("RSA key generation failed");
  key_ = std::shared_ptr<void>(key, [](void* k) { EVP_PKEY_free(static_cast<EVP_PKEY*>(k)); });
}

std::string JwtSigner::Jwks() const {
  return R"({"keys":[{"kty":"RSA","alg":"RS256","use":"sig","kid":")" + kid_ + R"(","n":")" +
         jwt::Base64UrlEncode(BigEndian(Key(key_), OSSL_PKEY_PARAM_RSA_N)) + R"(","e":")" +
         jwt::Base64UrlEncode(BigEndian(Key(key_), OSSL_PKEY_PARAM_RSA_E)) + R"("}]})";
}

std::string JwtSigner::Sign(const std::string& header_json, const std::string& payload_json) const {
  const std::string signed_part =
      jwt::Base64UrlEncode(header_json) + "." + jwt::Base64UrlEncode(payload_json);
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  size_t size = 0;
  std::vector<unsigned char> signature;
  bool ok = EVP_DigestSignInit(context, nullptr, EVP_sha256(), nullptr, Key(key_)) == 1 &&
            EVP_DigestSign(context, nullptr, &size,
                           reinterpret_cast<const unsigned char*>(signed_part.data()),
                           signed_part.size()) == 1;
  signature.resize(size);
  ok = ok && EVP_DigestSign(context, signature.data(), &size,
                            reinterpret_cast<const unsigned char*>(signed_part.data()),
                            signed_part.size()) == 1;
  EVP_MD_CTX_free(context);
  if (!ok) throw std::runtime_error("RS256 signing failed");
  return signed_part + "." +
         jwt::Base64UrlEncode(std::string(signature.begin(), signature.begin() + size));
}

std::string JwtSigner::Token(const std::string& uid, int64_t exp) const {
  return Sign(R"({"alg":"RS256","kid":")" + kid_ + R"(","typ":"JWT"})",
              R"({"uid":")" + uid + R"(","exp":)" + std::to_string(exp) + "}");
}

}  // namespace lockstep::testing
