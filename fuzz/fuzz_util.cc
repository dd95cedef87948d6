#include "fuzz/fuzz_util.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace lockstep::fuzz {

// Public test key, not a secret: it lets the corpus hold encrypted seeds.
constexpr char kFuzzIdentity[] =
    "AGE-SECRET-KEY-1DHCF9UNNR7HRX30LH3RW3ELAM634TSYKNYMDG7TZ9V4Q57CHT57SK698MT";

InputFile::InputFile(const uint8_t* data, size_t size) {
  fd_ = ::memfd_create("fuzz-input", 0);
  if (fd_ < 0) std::abort();
  size_t written = 0;
  while (written < size) {
    ssize_t n = ::write(fd_, data + written, size - written);
    if (n <= 0) std::abort();
    written += static_cast<size_t>(n);
  }
  ::lseek(fd_, 0, SEEK_SET);
  path_ = "/proc/self/fd/" + std::to_string(fd_);
}

InputFile::~InputFile() { ::close(fd_); }

Result<size_t> MemorySource::Read(char* buffer, size_t size) {
  const size_t n = std::min(size, size_ - at_);
  std::memcpy(buffer, data_ + at_, n);
  at_ += n;
  return n;
}

const age::X25519Identity& FuzzIdentity() {
  static const age::X25519Identity identity = *age::ParseIdentity(kFuzzIdentity);
  return identity;
}

const std::string& ScratchDir() {
  static const std::string dir = [] {
    std::string path =
        std::filesystem::temp_directory_path() / ("lockstep-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(path);
    return path;
  }();
  return dir;
}

}  // namespace lockstep::fuzz
