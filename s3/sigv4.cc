#include "s3/sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <map>

#include "common/http/url.h"
#include "common/sha256.h"

namespace lockstep::s3 {
namespace {

constexpr char kAlgorithm[] = "AWS4-HMAC-SHA256";

std::string Lowercase(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Leading and trailing blanks dropped, inner runs of blanks made one space (what AWS's own
// signers do, so a header folded by a proxy still verifies).
std::string TrimValue(std::string_view value) {
  std::string out;
  bool blank = false;
  for (unsigned char c : value) {
    if (c == ' ' || c == '\t') {
      blank = !out.empty();
      continue;
    }
    if (blank) out += ' ';
    blank = false;
    out += static_cast<char>(c);
  }
  return out;
}

}  // namespace

std::string UriEncode(std::string_view text, bool keep_slash) {
  return http::PercentEncode(text, keep_slash);
}

std::string CanonicalQuery(const NameValues& query) {
  std::vector<std::pair<std::string, std::string>> encoded;
  encoded.reserve(query.size());
  for (const auto& [name, value] : query) {
    encoded.emplace_back(UriEncode(name, false), UriEncode(value, false));
  }
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [name, value] : encoded) {
    if (!out.empty()) out += '&';
    out += name + "=" + value;
  }
  return out;
}

bool IsSignedHeader(std::string_view name) {
  const std::string lower = Lowercase(name);
  return lower == "host" || lower == "content-md5" || lower == "range" || lower == "date" ||
         lower.starts_with("x-amz-");
}

std::string CanonicalRequest(const RequestToSign& request, std::string* signed_headers) {
  std::map<std::string, std::string> headers;  // sorted by lowercase name
  for (const auto& [name, value] : request.headers) {
    if (!IsSignedHeader(name)) continue;
    std::string& slot = headers[Lowercase(name)];
    slot += (slot.empty() ? "" : ",") + TrimValue(value);
  }
  std::string canonical_headers;
  std::string names;
  for (const auto& [name, value] : headers) {
    canonical_headers += name + ":" + value + "\n";
    names += (names.empty() ? "" : ";") + name;
  }
  if (signed_headers) *signed_headers = names;
  return request.method + "\n" + UriEncode(request.path, true) + "\n" +
         CanonicalQuery(request.query) + "\n" + canonical_headers + "\n" + names + "\n" +
         request.payload_sha256;
}

std::string CredentialScope(std::string_view amz_date, std::string_view region) {
  return std::string(amz_date.substr(0, 8)) + "/" + std::string(region) + "/s3/aws4_request";
}

std::string StringToSign(std::string_view amz_date, std::string_view scope,
                         std::string_view canonical_request) {
  return std::string(kAlgorithm) + "\n" + std::string(amz_date) + "\n" + std::string(scope) + "\n" +
         Sha256Hex(canonical_request);
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest, &length);
  return std::string(reinterpret_cast<const char*>(digest), length);
}

std::string SigningKey(std::string_view secret, std::string_view date, std::string_view region) {
  const std::string date_key = HmacSha256("AWS4" + std::string(secret), date);
  const std::string region_key = HmacSha256(date_key, region);
  const std::string service_key = HmacSha256(region_key, "s3");
  return HmacSha256(service_key, "aws4_request");
}

std::string HexEncode(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kHex[c >> 4];
    out += kHex[c & 0xF];
  }
  return out;
}

Signature Sign(const RequestToSign& request, const SigningInput& input) {
  Signature result;
  result.canonical_request = CanonicalRequest(request, &result.signed_headers);
  const std::string scope = CredentialScope(input.amz_date, input.region);
  result.string_to_sign = StringToSign(input.amz_date, scope, result.canonical_request);
  const std::string key =
      SigningKey(input.secret_access_key, input.amz_date.substr(0, 8), input.region);
  result.signature = HexEncode(HmacSha256(key, result.string_to_sign));
  result.authorization = std::string(kAlgorithm) + " Credential=" + input.access_key_id + "/" +
                         scope + ",SignedHeaders=" + result.signed_headers +
                         ",Signature=" + result.signature;
  return result;
}

std::string AmzDate(std::chrono::system_clock::time_point when) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(when);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[17];
  std::strftime(text, sizeof text, "%Y%m%dT%H%M%SZ", &utc);
  return text;
}

}  // namespace lockstep::s3
