// A real S3-compatible server for integration tests and the sandbox, run as a child process on
// loopback with its data in a folder of the test's, one of two kinds:
//   s3rver  tools/s3/signing-proxy.js: s3rver behind a proxy that checks Signature Version 4 with
//           AWS's own signer (Node);
//   swift   tools/swift/swift-s3.py: a single-node OpenStack Swift with its S3 API (s3api,
//           tempauth), a production implementation and the stricter of the two.
// Both take the same arguments and print the same readiness line. The environment variable
// LOCKSTEP_OBJECT_STORE (s3rver, the default, or swift) picks the kind, so one suite binary runs
// against either (integration/CMakeLists.txt registers the S3 suites once per kind). Also writes
// the files that point clients at it: an AWS credentials file and an s3cmd configuration.
//
// From a shell (after scripts/setup):
//   node tools/s3/signing-proxy.js --directory /tmp/s3data --address 127.0.0.1
//        --port 9000 --access-key KEY --secret-key SECRET       (one line)
//   tools/swift/swift-s3.py  (the same arguments; the access key is tempauth's ACCOUNT:USER)
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>

#include "common/status.h"
#include "s3/s3_client.h"

namespace lockstep::integration {

enum class ObjectStoreKind { kS3rver, kSwift };

// LOCKSTEP_OBJECT_STORE's kind; s3rver when unset. Exits the test program naming the variable
// when it holds anything else (a misspelt kind must not silently test the other server).
ObjectStoreKind ObjectStoreKindFromEnvironment();
// "s3rver" or "swift": what a test's messages and the sandbox's flag call it.
const char* ObjectStoreKindName(ObjectStoreKind kind);

struct ObjectStoreOptions {
  std::string work_dir;  // data/ and s3.log go here
  ObjectStoreKind kind = ObjectStoreKindFromEnvironment();
  std::string host = "127.0.0.1";
  uint16_t port = 0;  // 0: a free one
  // Empty: the kind's test key (Swift's tempauth wants ACCOUNT:USER).
  std::string access_key;
  std::string secret_key = "lockstep/test/secret/not/for/production";
  std::string region = "us-east-1";
  std::string bucket = "lockstep-backups";
  // Outlives this process (the sandbox): its own session, its pid in WORK_DIR/s3.pid, left
  // running when the object goes away; StopDir() ends it.
  bool detached = false;
};

class ObjectStore {
 public:
  explicit ObjectStore(ObjectStoreOptions options);
  ~ObjectStore();  // kills the server if still running

  // Starts the server, waits for its readiness line and creates the bucket.
  // Swift's four Python servers take several seconds to start on a loaded machine.
  Status Start(std::chrono::milliseconds timeout = std::chrono::seconds(90));
  // SIGTERM, then waits for the process to exit.
  Status Stop();
  // Stops a detached server from its pid file under `work_dir`; Ok when none runs.
  static Status StopDir(const std::string& work_dir);

  std::string endpoint() const;  // "http://127.0.0.1:PORT"
  const ObjectStoreOptions& options() const { return options_; }

  // Options for an S3Client of the bucket under `prefix`, with the server's credentials.
  s3::S3ClientOptions ClientOptions(const std::string& prefix = "") const;
  // An AWS credentials file ([default] profile) at `path`, mode 0600.
  Status WriteCredentialsFile(const std::string& path) const;
  // An s3cmd configuration at `path` (mode 0600): plain HTTP, path style, Signature V4.
  Status WriteS3cmdConfig(const std::string& path) const;

  // Flips one bit in the middle of the bytes the server keeps on disk for the bucket's object
  // `key` (size unchanged), as a failing disk would: what a damaged object in a real store looks
  // like to its clients. Returns the file changed.
  Result<std::string> DamageStoredObject(const std::string& key) const;

 private:
  ObjectStoreOptions options_;
  std::string log_;
  pid_t pid_ = -1;
};

}  // namespace lockstep::integration
