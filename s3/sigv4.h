// AWS Signature Version 4 for S3 with the signature in the Authorization header, as AWS's S3 API
// reference specifies it ("Signature Calculations for the Authorization Header: Transferring
// Payload in a Single Chunk"). Pure functions of their inputs (the caller supplies the time), so
// tests compare every step with AWS's published examples. Thread-safe.
//
//   canonical request = METHOD \n encoded path \n sorted encoded query \n
//                       name:trimmed value \n (one per signed header, sorted) \n
//                       signed header names joined by ';' \n payload sha256 (hex)
//   string to sign    = "AWS4-HMAC-SHA256" \n YYYYMMDDTHHMMSSZ \n
//                       YYYYMMDD/region/s3/aws4_request \n hex(sha256(canonical request))
//   signing key       = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, YYYYMMDD), region), "s3"),
//                            "aws4_request")
//   signature         = hex(HMAC(signing key, string to sign))
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lockstep::s3 {

using NameValues = std::vector<std::pair<std::string, std::string>>;

// The sha256 of an empty payload, and the marker for a payload left out of the signature.
inline constexpr char kEmptyPayloadSha256[] =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
inline constexpr char kUnsignedPayload[] = "UNSIGNED-PAYLOAD";

// S3's URI encoding: every byte but A-Z a-z 0-9 - . _ ~ becomes %XY (uppercase hex); '/' is
// kept when `keep_slash` (object key paths) and encoded otherwise (query names and values).
// S3, unlike other AWS services, encodes each path segment once: "%" in a key becomes "%25".
std::string UriEncode(std::string_view text, bool keep_slash);

// The canonical query string: names and values encoded, sorted by encoded name then value,
// "name=value" joined by '&' ("lifecycle=" for a parameter without value).
std::string CanonicalQuery(const NameValues& query);

// Whether S3 requires or expects the header to be signed: host, x-amz-*, content-md5, range
// and date. Others (user-agent, connection, content-type, …) are sent unsigned so a proxy
// rewriting them can't break the signature. Case-insensitive.
bool IsSignedHeader(std::string_view name);

struct RequestToSign {
  std::string method;          // GET, PUT, …
  std::string path;            // decoded, starting with '/': "/bucket/my key" (encoded here)
  NameValues query;            // decoded names and values
  NameValues headers;          // every header sent; those passing IsSignedHeader are signed
  std::string payload_sha256;  // lowercase hex, or kUnsignedPayload
};

struct SigningInput {
  std::string access_key_id;
  std::string secret_access_key;
  std::string region;
  std::string amz_date;  // YYYYMMDDTHHMMSSZ, the value of the x-amz-date header
};

struct Signature {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signed_headers;  // "host;range;x-amz-content-sha256;x-amz-date"
  std::string signature;       // 64 hex digits
  std::string authorization;   // the Authorization header's value
};

std::string CanonicalRequest(const RequestToSign& request, std::string* signed_headers);
std::string CredentialScope(std::string_view amz_date, std::string_view region);
std::string StringToSign(std::string_view amz_date, std::string_view scope,
                         std::string_view canonical_request);
// The raw (binary) key derived from the secret for one day, region and service "s3".
std::string SigningKey(std::string_view secret, std::string_view date, std::string_view region);
// Raw HMAC-SHA256 of `data` under `key`.
std::string HmacSha256(std::string_view key, std::string_view data);
std::string HexEncode(std::string_view bytes);

// Every step at once. The request's headers must already hold host, x-amz-date (== amz_date)
// and x-amz-content-sha256 (== payload_sha256); the signature covers them.
Signature Sign(const RequestToSign& request, const SigningInput& input);

// "YYYYMMDDTHHMMSSZ" in UTC.
std::string AmzDate(std::chrono::system_clock::time_point when);

}  // namespace lockstep::s3
