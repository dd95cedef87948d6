#include "tests/zk_files.h"

#include <stdlib.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

#include "common/sha256.h"

namespace lockstep::testing {
namespace fs = std::filesystem;

JuteWriter& JuteWriter::Int32(int32_t v) {
  for (int i = 3; i >= 0; --i)
    bytes_.push_back(static_cast<char>((static_cast<uint32_t>(v) >> (8 * i)) & 0xff));
  return *this;
}
JuteWriter& JuteWriter::Int64(int64_t v) {
  for (int i = 7; i >= 0; --i)
    bytes_.push_back(static_cast<char>((static_cast<uint64_t>(v) >> (8 * i)) & 0xff));
  return *this;
}
JuteWriter& JuteWriter::Bool(bool v) {
  bytes_.push_back(v ? 1 : 0);
  return *this;
}
JuteWriter& JuteWriter::Buffer(const std::string& s) {
  Int32(static_cast<int32_t>(s.size()));
  bytes_ += s;
  return *this;
}
JuteWriter& JuteWriter::Null() { return Int32(-1); }
JuteWriter& JuteWriter::Raw(const std::string& s) {
  bytes_ += s;
  return *this;
}

uint32_t Adler32(const std::string& data) {
  return static_cast<uint32_t>(adler32(adler32(0L, Z_NULL, 0),
                                       reinterpret_cast<const Bytef*>(data.data()),
                                       static_cast<uInt>(data.size())));
}

std::vector<TestNode> BaseTree() {
  return {{"", ""}, {"/zookeeper", ""}, {"/zookeeper/quota", ""}, {"/zookeeper/config", ""}};
}

namespace {
void Seal(JuteWriter& w) {
  uint32_t sum = Adler32(w.bytes());
  w.Int64(sum).Buffer("/");
}
}  // namespace

std::string BuildSnapshot(const SnapshotSpec& spec) {
  JuteWriter w;
  w.Int32(0x5a4b534e).Int32(2).Int64(-1);
  w.Int32(spec.sessions);
  for (int i = 0; i < spec.sessions; ++i) w.Int64(100 + i).Int32(30000);
  // One ACL list: world:anyone, all permissions.
  w.Int32(1).Int64(1).Int32(1).Int32(31).Buffer("world").Buffer("anyone");
  for (const auto& node : spec.nodes) {
    w.Buffer(node.path).Buffer(node.data).Int64(1);
    w.Int64(1).Int64(2).Int64(3).Int64(4).Int32(0).Int32(0).Int32(0);
    w.Int64(node.ephemeral_owner).Int64(5);
  }
  w.Buffer("/");
  Seal(w);
  if (spec.with_digest) {
    w.Int64(0x10).Int32(2).Int64(0x1234567);
    Seal(w);
  }
  return w.bytes();
}

TxnLogBuilder::TxnLogBuilder() {
  JuteWriter w;
  w.Int32(0x5a4b4c47).Int32(2).Int64(0);
  bytes_ = w.bytes();
}

TxnLogBuilder& TxnLogBuilder::Record(int64_t zxid, int32_t type, const std::string& body,
                                     int64_t client, int64_t time_ms) {
  JuteWriter txn;
  txn.Int64(client).Int32(1).Int64(zxid).Int64(time_ms).Int32(type).Raw(body);
  txn.Int32(2).Int64(0x77);  // TxnDigest, as 3.6+ appends
  JuteWriter record;
  record.Int64(Adler32(txn.bytes())).Buffer(txn.bytes()).Raw("B");
  offsets_.push_back(bytes_.size());
  bytes_ += record.bytes();
  return *this;
}

std::string TxnLogBuilder::CreateBody(const std::string& path, bool ephemeral,
                                      const std::string& data) {
  JuteWriter body;
  body.Buffer(path).Buffer(data).Int32(1).Int32(31).Buffer("world").Buffer("anyone");
  body.Bool(ephemeral).Int32(1);
  return body.bytes();
}

std::string TxnLogBuilder::DeleteBody(const std::string& path) {
  JuteWriter body;
  body.Buffer(path);
  return body.bytes();
}

TxnLogBuilder& TxnLogBuilder::Create(int64_t zxid, const std::string& path, bool ephemeral,
                                     int64_t client, const std::string& data) {
  return Record(zxid, 1, CreateBody(path, ephemeral, data), client);
}

TxnLogBuilder& TxnLogBuilder::Delete(int64_t zxid, const std::string& path) {
  return Record(zxid, 2, DeleteBody(path));
}

TxnLogBuilder& TxnLogBuilder::SetData(int64_t zxid, const std::string& path) {
  JuteWriter body;
  body.Buffer(path).Buffer("new").Int32(1);
  return Record(zxid, 5, body.bytes());
}

TxnLogBuilder& TxnLogBuilder::CloseSession(int64_t zxid, int64_t client) {
  JuteWriter body;
  body.Int32(0);
  return Record(zxid, -11, body.bytes(), client);
}

TxnLogBuilder& TxnLogBuilder::Multi(int64_t zxid,
                                    const std::vector<std::pair<int32_t, std::string>>& ops) {
  JuteWriter body;
  body.Int32(static_cast<int32_t>(ops.size()));
  for (const auto& [type, data] : ops) body.Int32(type).Buffer(data);
  return Record(zxid, 14, body.bytes());
}

TxnLogBuilder& TxnLogBuilder::Preallocate(size_t zero_bytes) {
  bytes_.append(zero_bytes, '\0');
  return *this;
}

TempDir::TempDir() {
  std::string pattern = (fs::temp_directory_path() / "lockstep-test-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

void WriteFile(const std::string& path, const std::string& contents) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string CompressibleBytes(size_t size, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string bytes(size, '\0');
  for (char& c : bytes) c = static_cast<char>(rng() % 64 + 32);
  return bytes;
}

std::map<std::string, std::string> Fingerprint(const std::string& root) {
  std::map<std::string, std::string> result;
  if (!fs::exists(root)) return result;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    std::string rel = fs::relative(entry.path(), root).string();
    result[rel] = entry.is_directory() ? "<dir>" : Sha256Hex(ReadFile(entry.path().string()));
  }
  return result;
}

}  // namespace lockstep::testing
