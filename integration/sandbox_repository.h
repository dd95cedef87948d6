// The sandbox's off-cluster repository (`lockstep-sandbox up --object-store[=s3rver|swift]
// [--encrypt]`): an S3 test server of either kind (object_store.h) on 127.0.0.1, detached so it
// outlives `up`, its data under DIR/s3 (so `up` again on the same directory finds the same bucket),
// a credentials file, and with --encrypt an age identity (DIR/age-identity, kept across runs: it
// opens every backup the sandbox made). Fills the agents' [repository] and [encryption] and
// cluster.env's LOCKSTEP_S3_* and LOCKSTEP_AGE_IDENTITY.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"
#include "integration/mini_cluster.h"
#include "integration/object_store.h"

namespace lockstep::integration {

struct SandboxRepositoryOptions {
  ObjectStoreKind kind = ObjectStoreKind::kS3rver;
  uint16_t port = 9000;
  bool encrypt = false;
  std::string prefix = "sandbox/";
};

// Starts the store and adds what the agents and cluster.env need to `cluster`.
Status StartSandboxRepository(const SandboxRepositoryOptions& options, MiniClusterOptions* cluster);
// Stops the store a sandbox under `dir` started; Ok when there is none.
Status StopSandboxRepository(const std::string& dir);

}  // namespace lockstep::integration
