#include "s3/credentials.h"

#include <openssl/crypto.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "common/secret_file.h"

namespace lockstep::s3 {
namespace {

std::string_view Trim(std::string_view text) {
  const size_t begin = text.find_first_not_of(" \t\r");
  if (begin == std::string_view::npos) return {};
  const size_t end = text.find_last_not_of(" \t\r");
  return text.substr(begin, end - begin + 1);
}

struct ProfileScan {
  bool found = false;
  Credentials credentials;
};

// Applies one "key = value" line of the wanted profile. Unknown keys (region, output, …) are
// the AWS CLI's and are skipped.
void Apply(std::string_view key, std::string_view value, Credentials& credentials) {
  if (key == "aws_access_key_id") credentials.access_key_id = value;
  if (key == "aws_secret_access_key") credentials.secret_access_key = value;
  if (key == "aws_session_token") credentials.session_token = value;
}

Result<ProfileScan> Scan(std::string_view text, const std::string& origin,
                         const std::string& profile) {
  ProfileScan scan;
  bool in_profile = false;
  int line_number = 0;
  std::istringstream lines{std::string(text)};
  std::string raw;
  while (std::getline(lines, raw)) {
    ++line_number;
    const std::string_view line = Trim(raw);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    const std::string where = origin + " line " + std::to_string(line_number);
    if (line.front() == '[') {
      if (line.back() != ']') return InvalidArgument(where + ": a section header lacks its ']'");
      std::string_view name = Trim(line.substr(1, line.size() - 2));
      // The AWS config file spells named profiles "[profile NAME]"; accept both spellings.
      if (name.starts_with("profile ")) name = Trim(name.substr(8));
      in_profile = name == profile;
      scan.found = scan.found || in_profile;
      continue;
    }
    const size_t equals = line.find('=');
    if (equals == std::string_view::npos) {
      // Not quoted: the line might be a pasted secret.
      return InvalidArgument(where + ": expected 'name = value'");
    }
    if (in_profile)
      Apply(Trim(line.substr(0, equals)), Trim(line.substr(equals + 1)), scan.credentials);
  }
  return scan;
}

}  // namespace

Result<Credentials> ParseCredentialsFile(std::string_view text, const std::string& origin,
                                         const std::string& profile) {
  ASSIGN_OR_RETURN(ProfileScan scan, Scan(text, origin, profile));
  if (!scan.found) {
    return InvalidArgument(origin + " has no profile [" + profile +
                           "]; add it or choose another profile");
  }
  const Credentials& got = scan.credentials;
  if (got.access_key_id.empty() || got.secret_access_key.empty()) {
    return InvalidArgument(origin + ": profile [" + profile + "] needs both " +
                           "aws_access_key_id and aws_secret_access_key" +
                           (got.access_key_id.empty() ? " (aws_access_key_id is missing)"
                                                      : " (aws_secret_access_key is missing)"));
  }
  return got;
}

Result<Credentials> ReadCredentialsFile(const std::string& path, const std::string& profile) {
  // Owner-only, as every other secrets file: the secret key signs every request to the bucket.
  ASSIGN_OR_RETURN(std::string text, ReadSecretFile(path, SecretFileRule::kOwnerOnly, 1 << 20));
  Result<Credentials> credentials = ParseCredentialsFile(text, path, profile);
  OPENSSL_cleanse(text.data(), text.size());
  return credentials;
}

Result<Credentials> CredentialsFromEnvironment() {
  auto get = [](const char* name) {
    const char* value = std::getenv(name);
    return std::string(value ? value : "");
  };
  Credentials credentials{get("AWS_ACCESS_KEY_ID"), get("AWS_SECRET_ACCESS_KEY"),
                          get("AWS_SESSION_TOKEN")};
  if (credentials.access_key_id.empty() && credentials.secret_access_key.empty()) {
    return NotFound("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set");
  }
  if (credentials.access_key_id.empty() || credentials.secret_access_key.empty()) {
    return InvalidArgument(
        std::string("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set ") +
        "together; only " +
        (credentials.access_key_id.empty() ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID") +
        " is");
  }
  return credentials;
}

}  // namespace lockstep::s3
