#include "agent/config/repository_config.h"

#include "agent/config/toml_reader.h"
#include "common/http/url.h"
#include "common/secret_file.h"

namespace lockstep::agent {

Status ReadRepository(TomlReader& root, RepositoryConfig* out) {
  ASSIGN_OR_RETURN(const toml::table* table, root.Table("repository"));
  if (!table) return Status::Ok();
  TomlReader reader(*table, "repository");
  RETURN_IF_ERROR(reader.String("endpoint", &out->endpoint, true));
  RETURN_IF_ERROR(reader.String("bucket", &out->bucket, true));
  RETURN_IF_ERROR(reader.String("prefix", &out->prefix));
  RETURN_IF_ERROR(reader.String("region", &out->region));
  RETURN_IF_ERROR(reader.String("credentials_file", &out->credentials_file));
  RETURN_IF_ERROR(reader.Bool("path_style", &out->path_style));
  RETURN_IF_ERROR(reader.String("ca_file", &out->ca_file));
  RETURN_IF_ERROR(reader.String("signing_key_file", &out->signing_key_file));
  if (!out->signing_key_file.empty()) {
    Result<std::string> key =
        ReadSecretFile(out->signing_key_file, SecretFileRule::kOwnerOnly, 4096);
    RETURN_IF_ERROR(key.status().Prepend("'repository.signing_key_file'"));
    if (key->size() < 16) {
      return InvalidArgument("'repository.signing_key_file' " + out->signing_key_file +
                             " holds fewer than 16 bytes; generate one with `openssl rand -hex "
                             "32`");
    }
  }
  int64_t part_mb = static_cast<int64_t>(out->part_size >> 20);
  // S3 takes parts of 5 MiB to 5 GiB; memory holds one part's buffer at most.
  RETURN_IF_ERROR(reader.Integer("part_size_mb", 5, 1024, &part_mb));
  out->part_size = static_cast<uint64_t>(part_mb) << 20;
  int64_t keep = out->keep;
  RETURN_IF_ERROR(reader.Integer("keep", 0, 100000, &keep));
  out->keep = static_cast<uint32_t>(keep);
  RETURN_IF_ERROR(reader.RejectUnknownKeys());
  RETURN_IF_ERROR(http::ParseUrl(out->endpoint).status().Prepend("'repository.endpoint'"));
  if (!out->prefix.empty() && out->prefix.back() != '/') {
    return InvalidArgument(
        "'repository.prefix' must end with '/' (it is a folder of the bucket), "
        "not '" +
        out->prefix + "'");
  }
  if (!out->prefix.empty() && out->prefix.front() == '/') {
    return InvalidArgument("'repository.prefix' starts inside the bucket: drop the leading '/'");
  }
  return Status::Ok();
}

}  // namespace lockstep::agent
