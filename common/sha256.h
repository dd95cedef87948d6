// Incremental SHA-256 (OpenSSL EVP). Copyable, so a caller can keep the state at a chosen offset
// (the online backup hashes a log while scanning and keeps the state at its cut point).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

struct evp_md_ctx_st;

namespace lockstep {

class Sha256 {
 public:
  Sha256();
  Sha256(const Sha256& other);
  Sha256& operator=(const Sha256& other);
  Sha256(Sha256&&) noexcept = default;
  Sha256& operator=(Sha256&&) noexcept = default;
  ~Sha256();

  void Update(const void* data, size_t size);
  void Update(std::string_view data) { Update(data.data(), data.size()); }
  // Lowercase hex digest. The object may still be updated afterwards (it finalises a copy).
  std::string HexDigest() const;

 private:
  struct CtxDeleter {
    void operator()(evp_md_ctx_st* ctx) const;
  };
  std::unique_ptr<evp_md_ctx_st, CtxDeleter> ctx_;
};

std::string Sha256Hex(std::string_view data);
// HMAC-SHA-256 of `message` under `key`, lowercase hex.
std::string HmacSha256Hex(std::string_view key, std::string_view message);
// Whether two hex digests are equal, in time independent of where they differ.
bool HexDigestsEqual(std::string_view a, std::string_view b);
// The sha256 of a whole file, read in 1 MiB chunks.
Result<std::string> Sha256OfFile(const std::string& path);

}  // namespace lockstep
