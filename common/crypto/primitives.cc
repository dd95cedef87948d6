#include "common/crypto/primitives.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <string>

namespace lockstep::age {
namespace {

Status OpenSslError(const std::string& what) {
  char text[256] = "no OpenSSL error queued";
  if (unsigned long code = ERR_get_error(); code != 0) ERR_error_string_n(code, text, sizeof text);
  ERR_clear_error();
  return Internal("OpenSSL: " + what + ": " + text);
}

struct PkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct PkeyCtxDeleter {
  void operator()(EVP_PKEY_CTX* ctx) const { EVP_PKEY_CTX_free(ctx); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyDeleter>;
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxDeleter>;

bool AllZero(const uint8_t* data, size_t size) {
  uint8_t acc = 0;
  for (size_t i = 0; i < size; ++i) acc |= data[i];
  return acc == 0;
}

}  // namespace

Status RandomBytes(uint8_t* out, size_t size) {
  if (RAND_bytes(out, static_cast<int>(size)) != 1) return OpenSslError("random bytes");
  return Status::Ok();
}

Result<X25519Public> X25519PublicKey(const X25519Secret& scalar) {
  Pkey key(EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, scalar.data(), scalar.size()));
  if (!key) return OpenSslError("X25519 private key");
  X25519Public out{};
  size_t length = out.size();
  if (EVP_PKEY_get_raw_public_key(key.get(), out.data(), &length) != 1 || length != out.size()) {
    return OpenSslError("X25519 public key");
  }
  return out;
}

Result<X25519Secret> X25519SharedSecret(const X25519Secret& scalar, const X25519Public& peer) {
  Pkey own(EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, scalar.data(), scalar.size()));
  Pkey other(EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nullptr, peer.data(), peer.size()));
  if (!own || !other) return OpenSslError("X25519 keys");
  PkeyCtx ctx(EVP_PKEY_CTX_new(own.get(), nullptr));
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1 ||
      EVP_PKEY_derive_set_peer(ctx.get(), other.get()) != 1) {
    return OpenSslError("X25519 exchange");
  }
  X25519Secret shared;
  size_t length = shared.size();
  // OpenSSL itself refuses an all-zero result; the check below keeps the rule visible here.
  const bool derived = EVP_PKEY_derive(ctx.get(), shared.data(), &length) == 1;
  ERR_clear_error();
  if (!derived || length != shared.size() || AllZero(shared.data(), shared.size())) {
    return Corruption("the X25519 share is a low-order point (the shared secret is all zero)");
  }
  return shared;
}

Result<Secret<32>> Hkdf(const uint8_t* ikm, size_t ikm_size, const uint8_t* salt, size_t salt_size,
                        std::string_view info) {
  EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  EVP_KDF_CTX* ctx = kdf ? EVP_KDF_CTX_new(kdf) : nullptr;
  EVP_KDF_free(kdf);
  if (ctx == nullptr) return OpenSslError("HKDF");
  char digest[] = "SHA256";
  OSSL_PARAM params[5];
  size_t n = 0;
  params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0);
  params[n++] =
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<uint8_t*>(ikm), ikm_size);
  // No salt is HKDF's default of HashLen zero bytes, which RFC 5869 makes equal to an empty one.
  if (salt_size > 0) {
    params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, const_cast<uint8_t*>(salt),
                                                    salt_size);
  }
  params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
                                                  const_cast<char*>(info.data()), info.size());
  params[n] = OSSL_PARAM_construct_end();
  Secret<32> out;
  const bool ok = EVP_KDF_derive(ctx, out.data(), out.size(), params) == 1;
  EVP_KDF_CTX_free(ctx);
  if (!ok) return OpenSslError("HKDF derive");
  return out;
}

Result<Secret<32>> HmacSha256(const Secret<32>& key, const void* data, size_t size) {
  Secret<32> out;
  size_t length = 0;
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.data(), key.size(),
                static_cast<const unsigned char*>(data), size, out.data(), out.size(),
                &length) == nullptr ||
      length != out.size()) {
    return OpenSslError("HMAC-SHA-256");
  }
  return out;
}

void ChaChaPoly::CtxDeleter::operator()(evp_cipher_ctx_st* ctx) const { EVP_CIPHER_CTX_free(ctx); }

ChaChaPoly::ChaChaPoly() : ctx_(EVP_CIPHER_CTX_new()) {}

ChaChaPoly::~ChaChaPoly() = default;

Status ChaChaPoly::Seal(const AeadKey& key, const uint8_t* nonce, const uint8_t* in, size_t size,
                        uint8_t* out) {
  int length = 0;
  if (!ctx_ ||
      EVP_CipherInit_ex2(ctx_.get(), EVP_chacha20_poly1305(), key.data(), nonce, 1, nullptr) != 1 ||
      EVP_EncryptUpdate(ctx_.get(), out, &length, in, static_cast<int>(size)) != 1 ||
      EVP_EncryptFinal_ex(ctx_.get(), out + length, &length) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx_.get(), EVP_CTRL_AEAD_GET_TAG, static_cast<int>(kAeadTagSize),
                          out + size) != 1) {
    return OpenSslError("ChaCha20-Poly1305 encryption");
  }
  return Status::Ok();
}

Result<bool> ChaChaPoly::Open(const AeadKey& key, const uint8_t* nonce, const uint8_t* in,
                              size_t size, uint8_t* out) {
  if (size < kAeadTagSize) return false;
  const size_t text_size = size - kAeadTagSize;
  int length = 0;
  if (!ctx_ ||
      EVP_CipherInit_ex2(ctx_.get(), EVP_chacha20_poly1305(), key.data(), nonce, 0, nullptr) != 1 ||
      EVP_DecryptUpdate(ctx_.get(), out, &length, in, static_cast<int>(text_size)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx_.get(), EVP_CTRL_AEAD_SET_TAG, static_cast<int>(kAeadTagSize),
                          const_cast<uint8_t*>(in + text_size)) != 1) {
    return OpenSslError("ChaCha20-Poly1305 decryption");
  }
  const bool authentic = EVP_DecryptFinal_ex(ctx_.get(), out + length, &length) == 1;
  ERR_clear_error();
  return authentic;
}

}  // namespace lockstep::age
