// Test helpers: synthesized ZooKeeper snapshots and transaction logs (jute encoding, Adler32
// seals and record checksums computed like ZooKeeper does), temporary directories and tree
// fingerprints.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace lockstep::testing {

class JuteWriter {
 public:
  JuteWriter& Int32(int32_t v);
  JuteWriter& Int64(int64_t v);
  JuteWriter& Bool(bool v);
  JuteWriter& Buffer(const std::string& s);
  JuteWriter& Null();
  JuteWriter& Raw(const std::string& s);
  const std::string& bytes() const { return bytes_; }

 private:
  std::string bytes_;
};

uint32_t Adler32(const std::string& data);

struct TestNode {
  std::string path;  // "" for the root
  std::string data;
  int64_t ephemeral_owner = 0;
};

struct SnapshotSpec {
  std::vector<TestNode> nodes;  // written in order; include the root ("") first
  bool with_digest = true;      // 3.6+ digest section
  int sessions = 1;
};

// The standard empty tree: "", /zookeeper, /zookeeper/quota, /zookeeper/config.
std::vector<TestNode> BaseTree();
std::string BuildSnapshot(const SnapshotSpec& spec);

class TxnLogBuilder {
 public:
  TxnLogBuilder();
  // Appends one record; `body` follows the 32-byte TxnHeader.
  TxnLogBuilder& Record(int64_t zxid, int32_t type, const std::string& body, int64_t client = 1,
                        int64_t time_ms = 1700000000000);
  TxnLogBuilder& Create(int64_t zxid, const std::string& path, bool ephemeral = false,
                        int64_t client = 1, const std::string& data = "v");
  TxnLogBuilder& Delete(int64_t zxid, const std::string& path);
  TxnLogBuilder& SetData(int64_t zxid, const std::string& path);
  TxnLogBuilder& CloseSession(int64_t zxid, int64_t client);
  TxnLogBuilder& Multi(int64_t zxid, const std::vector<std::pair<int32_t, std::string>>& ops);
  TxnLogBuilder& Preallocate(size_t zero_bytes);
  std::string bytes() const { return bytes_; }
  // Offsets where each record starts.
  const std::vector<size_t>& record_offsets() const { return offsets_; }

  static std::string CreateBody(const std::string& path, bool ephemeral, const std::string& data);
  static std::string DeleteBody(const std::string& path);

 private:
  std::string bytes_;
  std::vector<size_t> offsets_;
};

class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

void WriteFile(const std::string& path, const std::string& contents);
std::string ReadFile(const std::string& path);
// `size` pseudo-random printable bytes from `seed`, compressible the way base64 is.
std::string CompressibleBytes(size_t size, uint32_t seed);
// relative path -> sha256 of every regular file below `root` (directories as "<dir>").
std::map<std::string, std::string> Fingerprint(const std::string& root);

}  // namespace lockstep::testing
