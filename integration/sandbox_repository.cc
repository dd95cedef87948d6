#include "integration/sandbox_repository.h"

#include <filesystem>

#include "common/crypto/keys.h"
#include "common/file.h"
#include "integration/object_store.h"

namespace lockstep::integration {
namespace fs = std::filesystem;
namespace {

// The identity under `path`, made on first use and reused after: the sandbox's earlier backups
// stay readable.
Result<age::X25519Recipient> EnsureIdentity(const std::string& path) {
  if (fs::exists(path)) {
    ASSIGN_OR_RETURN(age::Identities identities, age::ReadIdentityFile(path));
    return identities.front().recipient();
  }
  ASSIGN_OR_RETURN(age::X25519Identity identity, age::GenerateIdentity());
  std::string text = age::IdentityFileText(identity, std::chrono::system_clock::now());
  Status written = WriteFileAtomically(path, text, kPrivateFile);
  std::fill(text.begin(), text.end(), '\0');
  RETURN_IF_ERROR(written);
  return identity.recipient();
}

}  // namespace

Status StartSandboxRepository(const SandboxRepositoryOptions& options,
                              MiniClusterOptions* cluster) {
  const std::string work = cluster->dir + "/s3";
  fs::create_directories(work);
  ObjectStore store(
      {.work_dir = work, .kind = options.kind, .port = options.port, .detached = true});
  RETURN_IF_ERROR(store.Start().Prepend("starting the sandbox's S3 server"));
  const std::string credentials = cluster->dir + "/s3-credentials";
  RETURN_IF_ERROR(store.WriteCredentialsFile(credentials));
  RETURN_IF_ERROR(store.WriteS3cmdConfig(cluster->dir + "/s3cmd.cfg"));
  const ObjectStoreOptions& s3 = store.options();
  cluster->extra_agent_toml += "\n[repository]\nendpoint = \"" + store.endpoint() +
                               "\"\nbucket = \"" + s3.bucket + "\"\nprefix = \"" + options.prefix +
                               "\"\nregion = \"" + s3.region + "\"\ncredentials_file = \"" +
                               credentials + "\"\npath_style = true\n";
  cluster->extra_env +=
      "LOCKSTEP_S3_ENDPOINT=" + store.endpoint() + "\nLOCKSTEP_S3_BUCKET=" + s3.bucket +
      "\nLOCKSTEP_S3_PREFIX=" + options.prefix + "\nLOCKSTEP_S3_CREDENTIALS=" + credentials +
      "\nLOCKSTEP_S3CMD_CONFIG=" + cluster->dir + "/s3cmd.cfg\n";
  if (options.encrypt) {
    const std::string identity_file = cluster->dir + "/age-identity";
    ASSIGN_OR_RETURN(age::X25519Recipient recipient, EnsureIdentity(identity_file));
    cluster->extra_agent_toml += "\n[encryption]\nrecipients = [\"" + recipient.ToString() +
                                 "\"]\nidentity_file = \"" + identity_file + "\"\n";
    cluster->extra_env += "LOCKSTEP_AGE_IDENTITY=" + identity_file + "\n";
  }
  return Status::Ok();
}

Status StopSandboxRepository(const std::string& dir) { return ObjectStore::StopDir(dir + "/s3"); }

}  // namespace lockstep::integration
