// The X25519 recipient stanza (c2sp.org/age, "The X25519 recipient type"):
//
//   -> X25519 <ephemeral share: base64 of 32 bytes>
//   <ChaCha20-Poly1305(wrap key, zero nonce, file key): 32 bytes>
//
//   wrap key = HKDF-SHA-256(ikm = X25519(ephemeral secret, recipient),
//                           salt = ephemeral share || recipient, info = kX25519Info)
#pragma once

#include <optional>

#include "common/crypto/header.h"
#include "common/crypto/keys.h"

namespace lockstep::age {

constexpr std::string_view kX25519Type = "X25519";

// A stanza wrapping `file_key` for `recipient` under a fresh ephemeral key.
Result<Stanza> WrapX25519(const FileKey& file_key, const X25519Recipient& recipient);
// Corruption when an X25519 stanza is malformed (argument count, share or body size): the spec
// makes such a header invalid whoever it is addressed to. Other types are left alone.
Status CheckX25519Stanza(const Stanza& stanza);
// The file key, or nullopt when the stanza is not addressed to `identity` (not X25519, or its
// body does not authenticate). Corruption when the share is a low-order point.
Result<std::optional<FileKey>> UnwrapX25519(const Stanza& stanza, const X25519Identity& identity);

}  // namespace lockstep::age
