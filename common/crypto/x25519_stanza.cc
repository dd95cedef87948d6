#include "common/crypto/x25519_stanza.h"

#include <cstring>

#include "common/crypto/base64.h"
#include "common/crypto/primitives.h"

namespace lockstep::age {
namespace {

constexpr std::string_view kX25519Info = "age-encryption.org/v1/X25519";
constexpr uint8_t kZeroNonce[kAeadNonceSize] = {};

Result<AeadKey> WrapKey(const X25519Secret& shared, const X25519Public& share,
                        const X25519Public& recipient) {
  uint8_t salt[2 * kX25519KeySize];
  std::memcpy(salt, share.data(), share.size());
  std::memcpy(salt + share.size(), recipient.data(), recipient.size());
  ASSIGN_OR_RETURN(Secret<32> key,
                   Hkdf(shared.data(), shared.size(), salt, sizeof salt, kX25519Info));
  AeadKey out;
  out.bytes = key.bytes;
  return out;
}

X25519Public ShareOf(const Stanza& stanza) {
  X25519Public share{};
  auto decoded = Base64Decode(stanza.args[1]);  // CheckX25519Stanza vouched for it
  std::memcpy(share.data(), decoded->data(), share.size());
  return share;
}

}  // namespace

Result<Stanza> WrapX25519(const FileKey& file_key, const X25519Recipient& recipient) {
  X25519Secret ephemeral;
  RETURN_IF_ERROR(RandomBytes(ephemeral.data(), ephemeral.size()));
  ASSIGN_OR_RETURN(X25519Public share, X25519PublicKey(ephemeral));
  ASSIGN_OR_RETURN(X25519Secret shared, X25519SharedSecret(ephemeral, recipient.public_key));
  ASSIGN_OR_RETURN(AeadKey key, WrapKey(shared, share, recipient.public_key));
  Stanza stanza{.args = {std::string(kX25519Type), Base64Encode(share.data(), share.size())},
                .body = std::vector<uint8_t>(kFileKeySize + kAeadTagSize)};
  ChaChaPoly aead;
  RETURN_IF_ERROR(aead.Seal(key, kZeroNonce, file_key.data(), file_key.size(), stanza.body.data()));
  return stanza;
}

Status CheckX25519Stanza(const Stanza& stanza) {
  if (stanza.args.empty() || stanza.args[0] != kX25519Type) return Status::Ok();
  if (stanza.args.size() != 2) {
    return Corruption("an X25519 stanza has " + std::to_string(stanza.args.size() - 1) +
                      " arguments instead of 1");
  }
  auto share = Base64Decode(stanza.args[1]);
  if (!share || share->size() != kX25519KeySize) {
    return Corruption("an X25519 stanza's share is not 32 bytes in canonical base64");
  }
  // Checked before any decryption, as the spec asks, so that the size can't serve as an oracle.
  if (stanza.body.size() != kFileKeySize + kAeadTagSize) {
    return Corruption("an X25519 stanza's body is " + std::to_string(stanza.body.size()) +
                      " bytes instead of 32");
  }
  return Status::Ok();
}

Result<std::optional<FileKey>> UnwrapX25519(const Stanza& stanza, const X25519Identity& identity) {
  if (stanza.args.empty() || stanza.args[0] != kX25519Type) return std::optional<FileKey>();
  RETURN_IF_ERROR(CheckX25519Stanza(stanza));
  const X25519Public share = ShareOf(stanza);
  ASSIGN_OR_RETURN(X25519Secret shared, X25519SharedSecret(identity.secret(), share));
  ASSIGN_OR_RETURN(AeadKey key, WrapKey(shared, share, identity.recipient().public_key));
  FileKey file_key;
  ChaChaPoly aead;
  ASSIGN_OR_RETURN(bool authentic, aead.Open(key, kZeroNonce, stanza.body.data(),
                                             stanza.body.size(), file_key.data()));
  if (!authentic) return std::optional<FileKey>();
  return std::optional<FileKey>(file_key);
}

}  // namespace lockstep::age
