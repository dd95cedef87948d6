#include "common/sha256.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <stdexcept>
#include <vector>

#include "common/file.h"

namespace lockstep {

void Sha256::CtxDeleter::operator()(evp_md_ctx_st* ctx) const { EVP_MD_CTX_free(ctx); }

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("OpenSSL: cannot initialise SHA-256");
  }
}

Sha256::Sha256(const Sha256& other) : ctx_(EVP_MD_CTX_new()) {
  if (!ctx_ || EVP_MD_CTX_copy_ex(ctx_.get(), other.ctx_.get()) != 1) {
    throw std::runtime_error("OpenSSL: cannot copy SHA-256 state");
  }
}

Sha256& Sha256::operator=(const Sha256& other) {
  if (this != &other) {
    if (EVP_MD_CTX_copy_ex(ctx_.get(), other.ctx_.get()) != 1) {
      throw std::runtime_error("OpenSSL: cannot copy SHA-256 state");
    }
  }
  return *this;
}

Sha256::~Sha256() = default;

void Sha256::Update(const void* data, size_t size) { EVP_DigestUpdate(ctx_.get(), data, size); }

namespace {

std::string Hex(const unsigned char* bytes, unsigned int length) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    hex += kHex[bytes[i] >> 4];
    hex += kHex[bytes[i] & 0xf];
  }
  return hex;
}

}  // namespace

std::string Sha256::HexDigest() const {
  Sha256 copy(*this);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(copy.ctx_.get(), digest, &length);
  return Hex(digest, length);
}

std::string HmacSha256Hex(std::string_view key, std::string_view message) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest, &length);
  return Hex(digest, length);
}

bool HexDigestsEqual(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string Sha256Hex(std::string_view data) {
  Sha256 sha;
  sha.Update(data);
  return sha.HexDigest();
}

}  // namespace lockstep

namespace lockstep {

Result<std::string> Sha256OfFile(const std::string& path) {
  ASSIGN_OR_RETURN(UniqueFd fd, OpenForRead(path));
  Sha256 hash;
  std::vector<char> buffer(1 << 20);
  for (;;) {
    ASSIGN_OR_RETURN(size_t n, ReadFully(fd.get(), buffer.data(), buffer.size(), path));
    hash.Update(buffer.data(), n);
    if (n < buffer.size()) break;
  }
  return hash.HexDigest();
}

}  // namespace lockstep
