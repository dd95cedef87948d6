#include "agent/config/jwt.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <algorithm>

#include "common/crypto/base64.h"
#include "proto/dcos.pb.h"
#include "proto/json.h"

namespace lockstep::jwt {
namespace {

constexpr int kMinRsaBits = 2048;

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using Bignum = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;
using ParamBuilder = std::unique_ptr<OSSL_PARAM_BLD, Deleter<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>>;
using Params = std::unique_ptr<OSSL_PARAM, Deleter<OSSL_PARAM, OSSL_PARAM_free>>;
using KeyContext = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using DigestContext = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;

Bignum ToBignum(const std::string& bytes) {
  return Bignum(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()), nullptr));
}

// An RSA public key from its modulus and exponent (big-endian bytes).
Result<std::shared_ptr<void>> RsaPublicKey(const std::string& n, const std::string& e) {
  Bignum modulus = ToBignum(n), exponent = ToBignum(e);
  ParamBuilder builder(OSSL_PARAM_BLD_new());
  if (!modulus || !exponent || !builder ||
      !OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N, modulus.get()) ||
      !OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E, exponent.get())) {
    return Internal("could not build an RSA key");
  }
  Params params(OSSL_PARAM_BLD_to_param(builder.get()));
  KeyContext context(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  EVP_PKEY* key = nullptr;
  if (!params || !context || EVP_PKEY_fromdata_init(context.get()) != 1 ||
      EVP_PKEY_fromdata(context.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return InvalidArgument("not a valid RSA public key");
  }
  std::shared_ptr<void> owned(key, [](void* k) { EVP_PKEY_free(static_cast<EVP_PKEY*>(k)); });
  if (EVP_PKEY_get_bits(key) < kMinRsaBits) {
    return InvalidArgument("an RSA key of " + std::to_string(EVP_PKEY_get_bits(key)) +
                           " bits; at least " + std::to_string(kMinRsaBits) + " are needed");
  }
  return owned;
}

bool SignatureVerifies(void* key, std::string_view signed_part, const std::string& signature) {
  DigestContext context(EVP_MD_CTX_new());
  return context &&
         EVP_DigestVerifyInit(context.get(), nullptr, EVP_sha256(), nullptr,
                              static_cast<EVP_PKEY*>(key)) == 1 &&
         EVP_DigestVerify(context.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(),
                          reinterpret_cast<const unsigned char*>(signed_part.data()),
                          signed_part.size()) == 1;
}

// The three parts of a compact JWS, or why it is not one.
struct Parts {
  std::string_view header, payload, signature;
};
Result<Parts> Split(std::string_view token) {
  if (token.size() > kMaxTokenBytes) {
    return InvalidArgument("a token of " + std::to_string(token.size()) + " bytes; at most " +
                           std::to_string(kMaxTokenBytes));
  }
  const size_t first = token.find('.');
  const size_t second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
    return InvalidArgument("not a JWT (three base64url parts separated by '.')");
  }
  return Parts{token.substr(0, first), token.substr(first + 1, second - first - 1),
               token.substr(second + 1)};
}

template <typename Message>
Result<Message> DecodeJson(std::string_view part, const std::string& what) {
  std::optional<std::string> json = Base64UrlDecode(part);
  if (!json) return InvalidArgument("the token's " + what + " is not base64url");
  Message message;
  RETURN_IF_ERROR(proto::FromJson(*json, &message, true).Prepend("the token's " + what));
  return message;
}

Status CheckTimes(const proto::JwtPayload& payload, int64_t now) {
  if (payload.exp() == 0) return InvalidArgument("the token has no expiry (exp)");
  if (payload.exp() <= now) {
    return InvalidArgument("the token expired " + std::to_string(now - payload.exp()) +
                           " s ago; log in again (dcos auth login)");
  }
  if (payload.nbf() > now) return InvalidArgument("the token is not valid yet (nbf)");
  if (payload.uid().empty()) return InvalidArgument("the token names no user (uid)");
  if (payload.uid().size() > 96 || !std::all_of(payload.uid().begin(), payload.uid().end(),
                                                [](char c) { return c > ' ' && c < 127; })) {
    return InvalidArgument("the token's uid is not a printable name of at most 96 characters");
  }
  return Status::Ok();
}

}  // namespace

bool LooksLikeJwt(std::string_view token) {
  return token.starts_with("eyJ") && std::count(token.begin(), token.end(), '.') == 2;
}

std::string Base64UrlEncode(std::string_view bytes) {
  std::string text =
      age::Base64Encode(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  std::replace(text.begin(), text.end(), '+', '-');
  std::replace(text.begin(), text.end(), '/', '_');
  return text;
}

std::optional<std::string> Base64UrlDecode(std::string_view text) {
  // The standard alphabet's two characters are refused, so each value has one spelling.
  if (text.find_first_of("+/=") != std::string_view::npos) return std::nullopt;
  std::string standard(text);
  std::replace(standard.begin(), standard.end(), '-', '+');
  std::replace(standard.begin(), standard.end(), '_', '/');
  std::optional<std::vector<uint8_t>> bytes = age::Base64Decode(standard);
  if (!bytes) return std::nullopt;
  return std::string(bytes->begin(), bytes->end());
}

Result<KeySet> KeySet::FromJwks(std::string_view json) {
  proto::JwkSet set;
  RETURN_IF_ERROR(proto::FromJson(json, &set, true).Prepend("JSON Web Key Set"));
  KeySet keys;
  for (int i = 0; i < set.keys_size(); ++i) {
    const proto::Jwk& jwk = set.keys(i);
    const std::string name =
        jwk.kid().empty() ? "key " + std::to_string(i) : "key '" + jwk.kid() + "'";
    if (jwk.kty() != "RSA" || (!jwk.use().empty() && jwk.use() != "sig") ||
        (!jwk.alg().empty() && jwk.alg() != "RS256")) {
      continue;  // not a key DC/OS signs logins with
    }
    std::optional<std::string> n = Base64UrlDecode(jwk.n()), e = Base64UrlDecode(jwk.e());
    if (!n || !e || n->empty() || e->empty()) {
      return InvalidArgument("JSON Web Key Set: " + name + ": 'n' and 'e' must be base64url");
    }
    Result<std::shared_ptr<void>> key = RsaPublicKey(*n, *e);
    if (!key.ok()) return key.status().Prepend("JSON Web Key Set: " + name);
    keys.keys_.push_back({jwk.kid(), std::move(*key)});
  }
  if (keys.keys_.empty()) {
    return InvalidArgument("JSON Web Key Set: no RSA signing key (kty RSA, alg RS256)");
  }
  return keys;
}

Result<Claims> KeySet::Verify(std::string_view token, int64_t now) const {
  ASSIGN_OR_RETURN(Parts parts, Split(token));
  ASSIGN_OR_RETURN(proto::JwtHeader header, DecodeJson<proto::JwtHeader>(parts.header, "header"));
  // The algorithm is ours to choose, not the token's: anything but RS256 is refused before any
  // key is touched (no `none`, no HMAC keyed with a public key).
  if (header.alg() != "RS256") {
    return InvalidArgument("the token is signed with '" + header.alg().substr(0, 16) +
                           "'; only RS256 is accepted");
  }
  std::optional<std::string> signature = Base64UrlDecode(parts.signature);
  if (!signature || signature->empty()) return InvalidArgument("the token's signature is missing");
  const std::string_view signed_part =
      token.substr(0, parts.header.size() + 1 + parts.payload.size());
  bool known_kid = header.kid().empty();
  bool verified = false;
  for (const Key& key : keys_) {
    if (!header.kid().empty() && key.kid != header.kid()) continue;
    known_kid = true;
    if (SignatureVerifies(key.public_key.get(), signed_part, *signature)) {
      verified = true;
      break;
    }
  }
  if (!known_kid) {
    return InvalidArgument("the token's key '" + header.kid().substr(0, 64) +
                           "' is not among the IAM's keys (jwks_file)");
  }
  if (!verified) return InvalidArgument("the token's signature does not verify");
  ASSIGN_OR_RETURN(proto::JwtPayload payload,
                   DecodeJson<proto::JwtPayload>(parts.payload, "payload"));
  RETURN_IF_ERROR(CheckTimes(payload, now));
  return Claims{.uid = payload.uid(), .expires_at = payload.exp()};
}

}  // namespace lockstep::jwt
