// The OpenSSL 3 primitives age v1 is built from, behind small functions that return Status:
// X25519, HKDF-SHA-256, HMAC-SHA-256, ChaCha20-Poly1305 and the CSPRNG. Keys are fixed-size
// Secrets, wiped when dropped. Thread-safe (no shared state).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "common/crypto/secret.h"
#include "common/status.h"

struct evp_cipher_ctx_st;

namespace lockstep::age {

constexpr size_t kX25519KeySize = 32;
constexpr size_t kAeadKeySize = 32;
constexpr size_t kAeadNonceSize = 12;
constexpr size_t kAeadTagSize = 16;

using X25519Secret = Secret<kX25519KeySize>;
using X25519Public = std::array<uint8_t, kX25519KeySize>;
using AeadKey = Secret<kAeadKeySize>;

Status RandomBytes(uint8_t* out, size_t size);

// X25519(scalar, basepoint) (RFC 7748).
Result<X25519Public> X25519PublicKey(const X25519Secret& scalar);
// X25519(scalar, peer). Corruption when the peer is a low-order point, whose shared secret is
// all zero: age must refuse it, since it would let anyone unwrap the stanza.
Result<X25519Secret> X25519SharedSecret(const X25519Secret& scalar, const X25519Public& peer);

// HKDF-SHA-256 (RFC 5869) extract-then-expand to 32 bytes.
Result<Secret<32>> Hkdf(const uint8_t* ikm, size_t ikm_size, const uint8_t* salt, size_t salt_size,
                        std::string_view info);
Result<Secret<32>> HmacSha256(const Secret<32>& key, const void* data, size_t size);

// ChaCha20-Poly1305 (RFC 7539) with no associated data; reuses one OpenSSL context across calls,
// because the payload seals thousands of chunks. Not thread-safe.
class ChaChaPoly {
 public:
  ChaChaPoly();
  ~ChaChaPoly();
  ChaChaPoly(const ChaChaPoly&) = delete;
  ChaChaPoly& operator=(const ChaChaPoly&) = delete;

  // Writes `size` + kAeadTagSize bytes to `out` (which may equal `in`).
  Status Seal(const AeadKey& key, const uint8_t* nonce, const uint8_t* in, size_t size,
              uint8_t* out);
  // Opens `size` bytes (ciphertext then tag) into `out` (size - kAeadTagSize bytes). Returns
  // false when the tag does not verify; `out` then holds garbage that must not be used.
  Result<bool> Open(const AeadKey& key, const uint8_t* nonce, const uint8_t* in, size_t size,
                    uint8_t* out);

 private:
  struct CtxDeleter {
    void operator()(evp_cipher_ctx_st* ctx) const;
  };
  std::unique_ptr<evp_cipher_ctx_st, CtxDeleter> ctx_;
};

}  // namespace lockstep::age
