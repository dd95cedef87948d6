// agent.toml's [repository]: where every backup is copied off the cluster, an S3-compatible
// bucket (the same settings on every master).
//
//   [repository]
//   endpoint = "https://s3.eu-west-1.amazonaws.com"
//   bucket = "lockstep"
//   prefix = "cluster-a/"
//   region = "eu-west-1"
//   credentials_file = "/etc/lockstep/s3-credentials"  # AWS INI; AWS_* variables also work
//   path_style = false
//   ca_file = ""
//   part_size_mb = 16
//   keep = 0          # per schedule; more than the schedule's keep: older backups bucket-only
//   signing_key_file = ""  # the secret records are signed with (bucket_tag.h); default: the
//                          # cluster credential
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"

namespace lockstep::agent {

class TomlReader;

struct RepositoryConfig {
  std::string endpoint;  // empty: no repository
  std::string bucket;
  std::string prefix;
  std::string region = "us-east-1";
  std::string credentials_file;  // empty: the AWS_* environment variables
  bool path_style = false;
  std::string ca_file;
  uint64_t part_size = 16ull << 20;
  // READY backups of each schedule the repository keeps; 0: as many as the schedule's `keep`.
  // More than `keep`: the older ones stay only in the repository (their replicas are removed).
  uint32_t keep = 0;
  // The secret the records this cluster writes are signed with (bucket_tag.h), 0600; empty: the
  // cluster credential. Set it to keep the bucket adoptable across a change of the credential.
  std::string signing_key_file;

  bool enabled() const { return !endpoint.empty(); }
};

// Reads [repository] into `out` (unchanged without one).
Status ReadRepository(TomlReader& root, RepositoryConfig* out);

}  // namespace lockstep::agent
