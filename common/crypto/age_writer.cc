#include "common/crypto/age_writer.h"

#include <algorithm>
#include <cstring>

#include "common/crypto/x25519_stanza.h"

namespace lockstep::age {

Result<std::unique_ptr<AgeWriter>> AgeWriter::Create(const std::vector<X25519Recipient>& recipients,
                                                     Sink* out) {
  if (recipients.empty()) return InvalidArgument("age encryption needs at least one recipient");
  std::unique_ptr<AgeWriter> writer(new AgeWriter(out));
  RETURN_IF_ERROR(writer->Start(recipients));
  return writer;
}

Status AgeWriter::Start(const std::vector<X25519Recipient>& recipients) {
  FileKey file_key;
  RETURN_IF_ERROR(RandomBytes(file_key.data(), file_key.size()));
  std::vector<Stanza> stanzas;
  for (const X25519Recipient& recipient : recipients) {
    ASSIGN_OR_RETURN(Stanza stanza, WrapX25519(file_key, recipient));
    stanzas.push_back(std::move(stanza));
  }
  ASSIGN_OR_RETURN(std::string header, EncodeHeader(stanzas, file_key));
  uint8_t nonce[kPayloadNonceSize];
  RETURN_IF_ERROR(RandomBytes(nonce, sizeof nonce));
  RETURN_IF_ERROR(cipher_.Init(file_key, nonce));
  header.append(reinterpret_cast<const char*>(nonce), sizeof nonce);
  return out_->Write(header.data(), header.size());
}

Status AgeWriter::Write(const void* data, size_t size) {
  if (!failed_.ok()) return failed_;
  if (finished_) return Internal("age stream written to after Finish()");
  const auto* bytes = static_cast<const uint8_t*>(data);
  while (size > 0) {
    if (filled_ == kChunkSize) {
      failed_ = SealChunk(false);  // more bytes follow, so this full chunk is not the last
      RETURN_IF_ERROR(failed_);
    }
    const size_t take = std::min(size, kChunkSize - filled_);
    std::memcpy(chunk_.data() + filled_, bytes, take);
    filled_ += take;
    plaintext_bytes_ += take;
    bytes += take;
    size -= take;
  }
  return Status::Ok();
}

Status AgeWriter::Finish() {
  if (!failed_.ok()) return failed_;
  if (finished_) return Status::Ok();
  failed_ = SealChunk(true);
  RETURN_IF_ERROR(failed_);
  finished_ = true;
  return out_->Finish();
}

Status AgeWriter::SealChunk(bool final) {
  RETURN_IF_ERROR(cipher_.Seal(counter_, final, chunk_.data(), filled_, chunk_.data()));
  RETURN_IF_ERROR(out_->Write(chunk_.data(), filled_ + kAeadTagSize));
  ++counter_;
  filled_ = 0;
  return Status::Ok();
}

}  // namespace lockstep::age
