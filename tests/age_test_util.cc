#include "tests/age_test_util.h"

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <random>

#include "common/crypto/age_reader.h"
#include "common/crypto/age_writer.h"
#include "common/file.h"

namespace lockstep::age::testing {

std::string RandomData(size_t size, uint32_t seed) {
  std::mt19937 random(seed);
  std::string data(size, '\0');
  for (char& c : data) c = static_cast<char>(random());
  return data;
}

Status StringSink::Write(const void* bytes, size_t size) {
  if (fail_writes) return IoError("disk full (test)");
  data.append(static_cast<const char*>(bytes), size);
  largest_write = std::max(largest_write, size);
  ++writes;
  return Status::Ok();
}

Status StringSink::Finish() {
  ++finishes;
  return Status::Ok();
}

X25519Identity NewIdentity() {
  Result<X25519Identity> identity = GenerateIdentity();
  EXPECT_TRUE(identity.ok()) << identity.status().ToString();
  return *identity;
}

std::string Encrypt(const std::string& plaintext, const std::vector<X25519Recipient>& recipients) {
  StringSink sink;
  Result<std::unique_ptr<AgeWriter>> writer = AgeWriter::Create(recipients, &sink);
  EXPECT_TRUE(writer.ok()) << writer.status().ToString();
  EXPECT_TRUE((*writer)->Write(plaintext.data(), plaintext.size()).ok());
  EXPECT_TRUE((*writer)->Finish().ok());
  return sink.data;
}

int MemoryFile(const std::string& bytes) {
  const int fd = memfd_create("age-test", MFD_CLOEXEC);
  EXPECT_GE(fd, 0);
  EXPECT_TRUE(WriteFully(fd, bytes.data(), bytes.size(), "memfd").ok());
  EXPECT_EQ(::lseek(fd, 0, SEEK_SET), 0);
  return fd;
}

Result<std::string> Decrypt(const std::string& ciphertext, const Identities& identities,
                            std::string* released, size_t read_size) {
  UniqueFd fd(MemoryFile(ciphertext));
  ASSIGN_OR_RETURN(std::unique_ptr<AgeReader> reader,
                   AgeReader::Open(fd.get(), "test.age", identities));
  std::string plaintext;
  std::string buffer(read_size, '\0');
  while (true) {
    Result<size_t> got = reader->Read(buffer.data(), buffer.size());
    if (!got.ok()) {
      if (released != nullptr) *released = plaintext;
      return got.status();
    }
    if (*got == 0) return plaintext;
    plaintext.append(buffer.data(), *got);
  }
}

}  // namespace lockstep::age::testing
