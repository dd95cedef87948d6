// The deepest check of an archive: restore it into a scratch directory, start a standalone
// ZooKeeper on it (Debian's package, a free port on 127.0.0.1), and compare what the server
// reports (`srvr`: zxid, node count) with the manifest. Everything is removed afterwards.
#pragma once

#include <chrono>
#include <string>

#include "common/crypto/keys.h"
#include "common/status.h"
#include "proto/backup.pb.h"

namespace lockstep::datadir {

struct DeepVerifyOptions {
  std::string archive;
  std::string scratch_parent;  // on a filesystem with room for the extracted data
  std::string java = "/usr/bin/java";
  std::string classpath = "/etc/zookeeper/conf:/usr/share/java/zookeeper.jar";
  std::chrono::seconds start_timeout{120};
  age::Identities identities;  // open an encrypted archive
};

// ok=false with the reason in `error` when the server disagrees or won't start; an error Status
// only when the check itself can't run.
Result<proto::DeepCheck> DeepVerify(const DeepVerifyOptions& options);

}  // namespace lockstep::datadir
