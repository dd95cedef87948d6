#include "common/crypto/keys.h"

#include <cctype>
#include <cstring>
#include <ctime>

#include "common/crypto/bech32.h"
#include "common/file.h"

namespace lockstep::age {
namespace {

constexpr std::string_view kRecipientHrp = "age";
constexpr std::string_view kIdentityHrp = "AGE-SECRET-KEY-";
constexpr size_t kMaxIdentityFile = 1 << 20;

// Go's time.RFC3339 as age-keygen prints it: local time with a "+01:00" offset, or "Z" at UTC.
std::string Rfc3339Local(std::chrono::system_clock::time_point when) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(when);
  std::tm local{};
  localtime_r(&seconds, &local);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &local);
  const long minutes = local.tm_gmtoff / 60;
  if (minutes == 0) return std::string(stamp) + "Z";
  const int magnitude = static_cast<int>(minutes < 0 ? -minutes : minutes) % (24 * 60);
  char zone[16];
  std::snprintf(zone, sizeof zone, "%c%02d:%02d", minutes < 0 ? '-' : '+', magnitude / 60,
                magnitude % 60);
  return std::string(stamp) + zone;
}

std::string_view Trim(std::string_view line) {
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
    line.remove_suffix(1);
  }
  while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
  return line;
}

}  // namespace

std::string X25519Recipient::ToString() const {
  return Bech32Encode(kRecipientHrp, public_key.data(), public_key.size());
}

std::string X25519Identity::ToString() const {
  std::string text = Bech32Encode("age-secret-key-", secret_.data(), secret_.size());
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

Result<X25519Identity> GenerateIdentity() {
  X25519Secret secret;
  RETURN_IF_ERROR(RandomBytes(secret.data(), secret.size()));
  ASSIGN_OR_RETURN(X25519Public public_key, X25519PublicKey(secret));
  return X25519Identity(secret, public_key);
}

std::string IdentityFileText(const X25519Identity& identity,
                             std::chrono::system_clock::time_point created) {
  std::string secret = identity.ToString();
  std::string text = "# created: " + Rfc3339Local(created) +
                     "\n# public key: " + identity.recipient().ToString() + "\n" + secret + "\n";
  Wipe(secret);
  return text;
}

namespace {

// How a refused recipient is named in an error: its first characters only. Whatever was put
// among the recipients by mistake (an identity, an S3 key) must not be printed whole.
constexpr size_t kShownPrefix = 12;

bool LooksLikeIdentity(std::string_view text) {
  constexpr std::string_view kPrefix = "age-secret-key-";
  if (text.size() < kPrefix.size()) return false;
  for (size_t i = 0; i < kPrefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) != kPrefix[i]) return false;
  }
  return true;
}

}  // namespace

Result<X25519Recipient> ParseRecipient(std::string_view text) {
  if (LooksLikeIdentity(text)) {
    return InvalidArgument(
        "a recipient is an age identity (AGE-SECRET-KEY-1…), a secret: list its public key "
        "instead (age-keygen -y IDENTITY_FILE prints it), and replace that identity, since it "
        "was written where it should not be");
  }
  const std::string shown = "recipient \"" + std::string(text.substr(0, kShownPrefix)) +
                            (text.size() > kShownPrefix ? "…" : "") + "\"";
  Result<Bech32> decoded = Bech32Decode(text);
  if (!decoded.ok()) return decoded.status().Prepend(shown + " is not a valid age1… key");
  if (decoded->hrp != kRecipientHrp) {
    return InvalidArgument(shown +
                           " is not an age X25519 recipient (it must start with \"age1\" "
                           "in lower case)");
  }
  X25519Recipient recipient;
  if (decoded->data.size() != recipient.public_key.size()) {
    return InvalidArgument(shown + " holds " + std::to_string(decoded->data.size()) +
                           " bytes, not a 32-byte X25519 key");
  }
  std::memcpy(recipient.public_key.data(), decoded->data.data(), recipient.public_key.size());
  return recipient;
}

Result<std::vector<X25519Recipient>> ParseRecipients(const std::vector<std::string>& texts) {
  std::vector<X25519Recipient> recipients;
  for (const std::string& text : texts) {
    ASSIGN_OR_RETURN(X25519Recipient recipient, ParseRecipient(text));
    recipients.push_back(recipient);
  }
  return recipients;
}

Result<X25519Identity> ParseIdentity(std::string_view text) {
  Result<Bech32> decoded = Bech32Decode(text);
  if (!decoded.ok()) return decoded.status().Prepend("not a valid AGE-SECRET-KEY-1… identity");
  X25519Secret secret;
  const bool right_size = decoded->data.size() == secret.size();
  if (right_size) std::memcpy(secret.data(), decoded->data.data(), secret.size());
  OPENSSL_cleanse(decoded->data.data(), decoded->data.size());
  if (decoded->hrp != kIdentityHrp) {
    return InvalidArgument(
        "not an age X25519 identity (it must start with \"AGE-SECRET-KEY-1\" "
        "in upper case)");
  }
  if (!right_size) return InvalidArgument("the identity does not hold a 32-byte X25519 key");
  ASSIGN_OR_RETURN(X25519Public public_key, X25519PublicKey(secret));
  return X25519Identity(secret, public_key);
}

Result<Identities> ParseIdentities(std::string_view text, const std::string& source) {
  Identities identities;
  size_t line_number = 0;
  while (!text.empty()) {
    ++line_number;
    const size_t end = text.find('\n');
    const std::string_view line = Trim(text.substr(0, end));
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (line.empty() || line.front() == '#') continue;
    Result<X25519Identity> identity = ParseIdentity(line);
    if (!identity.ok()) {
      return identity.status().Prepend(source + " line " + std::to_string(line_number));
    }
    identities.push_back(*identity);
  }
  if (identities.empty()) return InvalidArgument(source + " holds no AGE-SECRET-KEY-1… identity");
  return identities;
}

Result<Identities> ReadIdentityFile(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, ReadSmallFile(path, kMaxIdentityFile));
  Result<Identities> identities = ParseIdentities(text, "identity file " + path);
  Wipe(text);
  return identities;
}

}  // namespace lockstep::age
