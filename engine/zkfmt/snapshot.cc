#include "engine/zkfmt/snapshot.h"

#include <cstdio>

namespace lockstep::zkfmt {
namespace {

constexpr int32_t kMaxPathLength = 1 << 20;
constexpr int32_t kMaxDataLength = 64 << 20;  // far above any jute.maxbuffer in use
constexpr int32_t kMaxAclEntries = 1 << 16;

int64_t BigEndian64(const char* p) {
  uint64_t value = 0;
  for (int i = 0; i < 8; ++i) value = (value << 8) | static_cast<unsigned char>(p[i]);
  return static_cast<int64_t>(value);
}
int32_t BigEndian32(const char* p) {
  uint32_t value = 0;
  for (int i = 0; i < 4; ++i) value = (value << 8) | static_cast<unsigned char>(p[i]);
  return static_cast<int32_t>(value);
}

// One pass over a snapshot. Each Parse* step returns false after recording the problem that
// stops it; Status errors are I/O failures only.
class SnapshotParser {
 public:
  SnapshotParser(ByteSource* source, std::string name, const SnapshotReadOptions& options)
      : reader_(source, options.compute_sha256), name_(std::move(name)), options_(options) {}

  Result<SnapshotSummary> Run() {
    ASSIGN_OR_RETURN(bool ok, ParseAll());
    if (options_.compute_sha256) {
      RETURN_IF_ERROR(reader_.DrainToEnd());
      summary_.sha256 = reader_.sha256().HexDigest();
    }
    summary_.size = reader_.offset();
    summary_.valid = ok && !HasFatal(summary_.problems);
    return std::move(summary_);
  }

 private:
  Result<bool> ParseAll() {
    ASSIGN_OR_RETURN(bool ok, ParseHeader());
    if (!ok) return false;
    ASSIGN_OR_RETURN(ok, ParseSessions());
    if (!ok) return false;
    ASSIGN_OR_RETURN(ok, ParseAcls());
    if (!ok) return false;
    ASSIGN_OR_RETURN(ok, ParseNodes());
    if (!ok) return false;
    ASSIGN_OR_RETURN(ok, ParseSeal("snapshot seal"));
    if (!ok) return false;
    return ParseTrailers();
  }

  bool Fail(std::string message, std::string expected = "", std::string actual = "") {
    summary_.problems.push_back(
        {name_, reader_.offset(), std::move(message), std::move(expected), std::move(actual)});
    return false;
  }
  bool Truncated(const char* where) {
    return Fail(std::string("snapshot is truncated in ") + where +
                " (an interrupted write; an earlier snapshot is needed)");
  }

  Result<bool> ParseHeader() {
    unsigned char magic[4];
    ASSIGN_OR_RETURN(bool complete, reader_.ReadExact(reinterpret_cast<char*>(magic), 4));
    if (!complete) return Truncated("the file header");
    if (magic[0] == 0x1f && magic[1] == 0x8b) {
      return Fail(
          "gzip-compressed snapshot is not supported: set "
          "zookeeper.snapshot.compression.method=uncompressed and let the server write "
          "a new snapshot",
          "ZKSN", "gzip");
    }
    if (magic[0] == 0x82 && magic[1] == 'S' && magic[2] == 'N' && magic[3] == 'A') {
      return Fail(
          "snappy-compressed snapshot is not supported: set "
          "zookeeper.snapshot.compression.method=uncompressed and let the server write "
          "a new snapshot",
          "ZKSN", "snappy");
    }
    uint32_t value = (uint32_t{magic[0]} << 24) | (uint32_t{magic[1]} << 16) |
                     (uint32_t{magic[2]} << 8) | magic[3];
    if (value != static_cast<uint32_t>(kSnapshotMagic)) {
      return Fail("not a ZooKeeper snapshot (bad magic)", FormatHex32(kSnapshotMagic),
                  FormatHex32(value));
    }
    ASSIGN_OR_RETURN(auto version, reader_.ReadInt32());
    ASSIGN_OR_RETURN(auto dbid, reader_.ReadInt64());
    if (!version || !dbid) return Truncated("the file header");
    if (*version != kFileFormatVersion) {
      return Fail("unsupported snapshot format version", "2", std::to_string(*version));
    }
    return true;
  }

  Result<bool> ReadCount(const char* what, int32_t limit, int32_t* count) {
    ASSIGN_OR_RETURN(auto value, reader_.ReadInt32());
    if (!value) return Truncated(what);
    if (*value < 0 || *value > limit) {
      return Fail(std::string("implausible ") + what + " count", "0.." + std::to_string(limit),
                  std::to_string(*value));
    }
    *count = *value;
    return true;
  }

  Result<bool> ParseSessions() {
    int32_t count = 0;
    ASSIGN_OR_RETURN(bool ok, ReadCount("session", 1 << 30, &count));
    if (!ok) return false;
    for (int32_t i = 0; i < count; ++i) {
      ASSIGN_OR_RETURN(auto id, reader_.ReadInt64());
      ASSIGN_OR_RETURN(auto timeout, reader_.ReadInt32());
      if (!id || !timeout) return Truncated("the session list");
    }
    summary_.session_count = static_cast<uint64_t>(count);
    return true;
  }

  Result<bool> ParseAcls() {
    int32_t count = 0;
    ASSIGN_OR_RETURN(bool ok, ReadCount("ACL cache", 1 << 30, &count));
    if (!ok) return false;
    for (int32_t i = 0; i < count; ++i) {
      ASSIGN_OR_RETURN(auto index, reader_.ReadInt64());
      if (!index) return Truncated("the ACL cache");
      int32_t entries = 0;
      ASSIGN_OR_RETURN(ok, ReadCount("ACL entry", kMaxAclEntries, &entries));
      if (!ok) return false;
      AclList acl;
      for (int32_t e = 0; e < entries; ++e) {
        AclEntry entry;
        ASSIGN_OR_RETURN(auto perms, reader_.ReadInt32());
        if (!perms) return Truncated("the ACL cache");
        entry.perms = *perms;
        ASSIGN_OR_RETURN(bool scheme, reader_.ReadBuffer(&entry.scheme, kMaxPathLength));
        ASSIGN_OR_RETURN(bool id, reader_.ReadBuffer(&entry.id, kMaxPathLength));
        if (!scheme || !id) return Truncated("the ACL cache");
        if (options_.acl_visitor) acl.push_back(std::move(entry));
      }
      if (options_.acl_visitor) (*options_.acl_visitor)(*index, std::move(acl));
    }
    summary_.acl_count = static_cast<uint64_t>(count);
    return true;
  }

  Result<bool> ParseNodes() {
    std::string path;
    std::string data;
    while (true) {
      ASSIGN_OR_RETURN(bool complete, reader_.ReadBuffer(&path, kMaxPathLength));
      if (!complete) return Truncated("the node list");
      if (path == "/") return true;  // end-of-nodes marker
      ASSIGN_OR_RETURN(complete, reader_.ReadBuffer(&data, kMaxDataLength));
      if (!complete) return Truncated("the node list");
      // acl, czxid, mzxid, ctime, mtime: five longs; version, cversion, aversion: three ints;
      // ephemeralOwner, pzxid: two longs.
      char stat[7 * 8 + 3 * 4];
      ASSIGN_OR_RETURN(complete, reader_.ReadExact(stat, sizeof stat));
      if (!complete) return Truncated("the node list");
      SnapshotNode node{path, data};
      node.acl_ref = BigEndian64(stat);
      node.czxid = BigEndian64(stat + 8);
      node.mzxid = BigEndian64(stat + 16);
      node.ctime = BigEndian64(stat + 24);
      node.mtime = BigEndian64(stat + 32);
      node.version = BigEndian32(stat + 40);
      node.cversion = BigEndian32(stat + 44);
      node.aversion = BigEndian32(stat + 48);
      node.ephemeral_owner = BigEndian64(stat + 52);
      node.pzxid = BigEndian64(stat + 60);
      ++summary_.node_count;
      if (options_.visitor) (*options_.visitor)(path, node.ephemeral_owner);
      if (options_.detail_visitor) (*options_.detail_visitor)(node);
    }
  }

  // The seal: the Adler32 of everything before it, then the string "/".
  Result<bool> ParseSeal(const char* what) {
    uint32_t expected = reader_.adler();
    ASSIGN_OR_RETURN(auto value, reader_.ReadInt64());
    if (!value) return Truncated(what);
    std::string slash;
    ASSIGN_OR_RETURN(bool complete, reader_.ReadBuffer(&slash, 16));
    if (!complete) return Truncated(what);
    if (static_cast<uint32_t>(*value) != expected || (*value >> 32) != 0) {
      return Fail(std::string("Adler32 mismatch in the ") + what, FormatHex32(expected),
                  FormatHex32(static_cast<uint32_t>(*value)));
    }
    if (slash != "/") return Fail(std::string("bad end marker after the ") + what, "/", slash);
    return true;
  }

  // Optional sections after the first seal, each sealed again: the digest (3.6+) and the last
  // processed zxid (3.9+). Anything else is not a snapshot we understand.
  Result<bool> ParseTrailers() {
    ASSIGN_OR_RETURN(bool at_end, reader_.AtEnd());
    if (at_end) return true;
    // ZxidDigest {long zxid, int version, digest}: a long from version 2 on, a hex string before.
    ASSIGN_OR_RETURN(auto zxid, reader_.ReadInt64());
    ASSIGN_OR_RETURN(auto version, reader_.ReadInt32());
    if (!zxid || !version) return Truncated("the digest section");
    bool ok = false;
    if (*version >= 2) {
      ASSIGN_OR_RETURN(auto digest, reader_.ReadInt64());
      ok = digest.has_value();
    } else {
      std::string digest;
      ASSIGN_OR_RETURN(ok, reader_.ReadBuffer(&digest, 1024));
    }
    if (!ok) return Truncated("the digest section");
    ASSIGN_OR_RETURN(ok, ParseSeal("digest seal"));
    if (!ok) return false;
    summary_.has_digest = true;
    ASSIGN_OR_RETURN(at_end, reader_.AtEnd());
    if (at_end) return true;
    ASSIGN_OR_RETURN(ok, reader_.ReadExact(nullptr, 8));
    if (!ok) return Truncated("the last-processed-zxid section");
    ASSIGN_OR_RETURN(ok, ParseSeal("last-processed-zxid seal"));
    if (!ok) return false;
    ASSIGN_OR_RETURN(at_end, reader_.AtEnd());
    if (!at_end) return Fail("unexpected bytes after the snapshot's last seal");
    return true;
  }

  JuteReader reader_;
  std::string name_;
  const SnapshotReadOptions& options_;
  SnapshotSummary summary_;
};

}  // namespace

Result<SnapshotSummary> ReadSnapshot(ByteSource* source, const std::string& name,
                                     const SnapshotReadOptions& options) {
  SnapshotParser parser(source, name, options);
  return parser.Run();
}

}  // namespace lockstep::zkfmt
