// App components, logically (docs/design.md "App components"): a znode subtree walked through the
// ZooKeeper client after a sync, breadth first with many requests in flight, into a file of
// varint-delimited ZNodeRecords (parents before children, so a restore can stream it), and read
// back out of an archive entry the same way. Memory stays bounded by the walk's frontier.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/crypto/keys.h"
#include "common/status.h"
#include "common/zk_client.h"
#include "proto/manifest.pb.h"

namespace lockstep::components {

// Znodes whose ACL and stat are read at once; their data is then read in slices of at most
// kDataWindow bytes, so memory stays bounded even with every node at ZooKeeper's 1 MiB limit.
inline constexpr size_t kReadWindow = 4096;
inline constexpr uint64_t kDataWindow = 32ULL << 20;

// Names and roots: a name is 2-32 of [a-z0-9_-], never "zookeeper"; a root is an absolute
// znode path, never "/" and never inside /zookeeper or Lockstep's own /lockstep.
Status CheckComponent(const std::string& name, const std::string& root);
std::string ArchiveNameOf(const std::string& component);  // "components/NAME.pb"

// Breadth first from `root` (parents before children), kReadWindow nodes at a time: `visit`
// gets every node that exists, with its data (unless `with_data` is false: one request per node
// fewer when the stat is enough), ACL, stat and children. A node the session may not read
// (its ACL denies it) fails the walk, naming it, unless `denied` is given: then its path goes
// there, and neither it nor what lies below it is visited.
Status WalkSubtree(ZkClient& zk, const std::string& root,
                   const std::function<Status(ZkClient::NodeRead&)>& visit, bool with_data = true,
                   std::vector<std::string>* denied = nullptr);

// `server_zxid` reads the connected server's last zxid (srvr), for the walk's window.
Result<proto::ComponentDump> DumpSubtree(ZkClient& zk, const std::string& name,
                                         const std::string& root, const std::string& out_path,
                                         const std::function<Result<std::string>()>& server_zxid);

// A stream of znode records, parents before children: a component's dump, or a subtree of a full
// backup (backup_tree.h). Restores and diffs read backups through it.
class ZNodeSource {
 public:
  virtual ~ZNodeSource() = default;
  // False at the end.
  virtual Result<bool> Next(proto::ZNodeRecord* record) = 0;
  // True when each record's data is zkfmt::DataDigest of the node's data, not the data itself
  // (a diff over a large tree keeps digests only).
  virtual bool data_is_digest() const { return false; }
  // What the records are read from, for operators ("app component marathon's dump").
  virtual std::string what() const { return "a component's dump"; }
};

// Streams the records of `component` out of a Lockstep archive (checksums are checked by the
// archive's reader as it goes; a component entry must be listed in the manifest).
class DumpReader : public ZNodeSource {
 public:
  static Result<std::unique_ptr<DumpReader>> Open(const std::string& archive_path,
                                                  const std::string& component,
                                                  const age::Identities& identities);
  ~DumpReader();
  // False at the end of the entry.
  Result<bool> Next(proto::ZNodeRecord* record) override;
  const proto::Manifest& manifest() const { return manifest_; }

 private:
  struct Stream;
  DumpReader();
  std::unique_ptr<Stream> stream_;
  proto::Manifest manifest_;
};

}  // namespace lockstep::components
