// The two digests S3 checks on an upload: the body's sha256 (hex, signed as
// x-amz-content-sha256) and its MD5 (base64, the Content-MD5 header S3 verifies on arrival).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace lockstep::s3 {

struct BodyDigests {
  std::string sha256_hex;
  std::string md5_base64;
};

BodyDigests DigestOf(std::string_view data);
// Of `length` bytes of the file from `offset`, read through a 1 MiB buffer.
Result<BodyDigests> DigestOfFileRange(const std::string& path, uint64_t offset, uint64_t length);

std::string Base64(std::string_view bytes);

}  // namespace lockstep::s3
