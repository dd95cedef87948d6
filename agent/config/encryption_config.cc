#include "agent/config/encryption_config.h"

#include <sys/stat.h>

#include <cerrno>

#include "agent/config/toml_reader.h"

namespace lockstep::agent {

Status ReadEncryption(TomlReader& root, EncryptionConfig* out) {
  ASSIGN_OR_RETURN(const toml::table* table, root.Table("encryption"));
  if (!table) return Status::Ok();
  TomlReader reader(*table, "encryption");
  std::vector<std::string> recipients;
  RETURN_IF_ERROR(reader.StringList("recipients", &recipients));
  RETURN_IF_ERROR(reader.String("identity_file", &out->identity_file));
  RETURN_IF_ERROR(reader.RejectUnknownKeys());
  if (recipients.empty()) {
    return InvalidArgument(
        "'encryption.recipients' is empty: list at least one age1… key "
        "(age-keygen -y IDENTITY prints it), or remove [encryption]");
  }
  Result<std::vector<age::X25519Recipient>> parsed = age::ParseRecipients(recipients);
  RETURN_IF_ERROR_PREPEND(parsed.status(), "'encryption.recipients'");
  out->recipients = std::move(parsed).value();
  if (!out->identity_file.empty()) {
    RETURN_IF_ERROR_PREPEND(LoadIdentities(out->identity_file).status(),
                            "'encryption.identity_file'");
  }
  return Status::Ok();
}

Result<age::Identities> LoadIdentities(const std::string& identity_file) {
  if (identity_file.empty()) return age::Identities{};
  struct stat st {};
  if (::stat(identity_file.c_str(), &st) != 0) {
    return ErrnoError("cannot read the identity file", identity_file, errno);
  }
  if ((st.st_mode & 077) != 0) {
    return FailedPrecondition("the identity file " + identity_file +
                              " can be read by other users; it opens every backup: "
                              "chmod 600 " +
                              identity_file);
  }
  return age::ReadIdentityFile(identity_file);
}

}  // namespace lockstep::agent
