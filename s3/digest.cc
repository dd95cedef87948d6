#include "s3/digest.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <memory>
#include <vector>

#include "common/sha256.h"

namespace lockstep::s3 {
namespace {

struct Md5 {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx{EVP_MD_CTX_new(), EVP_MD_CTX_free};
  Md5() { EVP_DigestInit_ex(ctx.get(), EVP_md5(), nullptr); }
  void Update(const void* data, size_t size) { EVP_DigestUpdate(ctx.get(), data, size); }
  std::string Raw() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_DigestFinal_ex(ctx.get(), digest, &length);
    return std::string(reinterpret_cast<char*>(digest), length);
  }
};

}  // namespace

std::string Base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int length = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                     reinterpret_cast<const unsigned char*>(bytes.data()),
                                     static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(length));
  return out;
}

BodyDigests DigestOf(std::string_view data) {
  Md5 md5;
  md5.Update(data.data(), data.size());
  return {Sha256Hex(data), Base64(md5.Raw())};
}

Result<BodyDigests> DigestOfFileRange(const std::string& path, uint64_t offset, uint64_t length) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoError("cannot open", path, errno);
  Sha256 sha256;
  Md5 md5;
  std::vector<char> buffer(1 << 20);
  uint64_t done = 0;
  while (done < length) {
    const ssize_t n = ::pread(fd, buffer.data(), std::min<uint64_t>(buffer.size(), length - done),
                              static_cast<off_t>(offset + done));
    if (n <= 0) {
      const int err = n < 0 ? errno : EIO;  // EIO: the file shrank under us
      ::close(fd);
      return ErrnoError("cannot read", path, err);
    }
    sha256.Update(buffer.data(), static_cast<size_t>(n));
    md5.Update(buffer.data(), static_cast<size_t>(n));
    done += static_cast<uint64_t>(n);
  }
  ::close(fd);
  return BodyDigests{sha256.HexDigest(), Base64(md5.Raw())};
}

}  // namespace lockstep::s3
