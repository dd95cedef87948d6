// AWS credentials for S3: from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
// optional AWS_SESSION_TOKEN) or from a file in the AWS CLI's INI format:
//
//   [default]
//   aws_access_key_id = AKIA…
//   aws_secret_access_key = …
//   aws_session_token = …        ; optional, sent as x-amz-security-token
//
// Errors name the file, the profile and the line, never a secret's value: a message may end up
// in a log or a bug report. Thread-safe (pure functions).
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace lockstep::s3 {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty for long-term keys
};

// The profile's credentials from INI text; `origin` names the text's source in errors (a path).
// InvalidArgument for a garbled line, a missing profile or a profile without both keys.
Result<Credentials> ParseCredentialsFile(std::string_view text, const std::string& origin,
                                         const std::string& profile = "default");

// ParseCredentialsFile of the file at `path`; IoError (with strerror) when it can't be read.
Result<Credentials> ReadCredentialsFile(const std::string& path,
                                        const std::string& profile = "default");

// From AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (AWS_SESSION_TOKEN optional). NotFound when
// neither is set; InvalidArgument when only one is.
Result<Credentials> CredentialsFromEnvironment();

}  // namespace lockstep::s3
