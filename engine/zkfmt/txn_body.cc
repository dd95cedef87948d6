#include "engine/zkfmt/txn_body.h"

#include "engine/zkfmt/byte_source.h"

namespace lockstep::zkfmt {
namespace {

constexpr int32_t kMaxAcl = 1 << 16;

bool ReadAcl(SpanReader& span, AclList* acl) {
  int32_t count = 0;
  if (!span.ReadInt32(&count) || count < -1 || count > kMaxAcl) return false;
  for (int32_t i = 0; i < count; ++i) {
    AclEntry entry;
    if (!span.ReadInt32(&entry.perms) || !span.ReadBuffer(&entry.scheme) ||
        !span.ReadBuffer(&entry.id)) {
      return false;
    }
    acl->push_back(std::move(entry));
  }
  return true;
}

std::optional<TxnBody> ParseCreate(int32_t type, SpanReader& span) {
  TxnBody txn;
  if (!span.ReadBuffer(&txn.path) || !span.ReadBuffer(&txn.data) || !ReadAcl(span, &txn.acl)) {
    return std::nullopt;
  }
  if ((type == kOpCreate || type == kOpCreate2) && !span.ReadBool(&txn.ephemeral)) {
    return std::nullopt;
  }
  return txn;
}

}  // namespace

std::optional<TxnBody> ParseTxnBody(int32_t type, const char* body, size_t size) {
  SpanReader span(body, size);
  switch (type) {
    case kOpCreate:
    case kOpCreate2:
    case kOpCreateContainer:
    case kOpCreateTtl:
      return ParseCreate(type, span);
    case kOpDelete:
    case kOpDeleteContainer: {
      TxnBody txn;
      txn.kind = TxnBody::Kind::kDelete;
      if (!span.ReadBuffer(&txn.path)) return std::nullopt;
      return txn;
    }
    case kOpSetData: {
      TxnBody txn;
      txn.kind = TxnBody::Kind::kSetData;
      if (!span.ReadBuffer(&txn.path) || !span.ReadBuffer(&txn.data) ||
          !span.ReadInt32(&txn.version)) {
        return std::nullopt;
      }
      return txn;
    }
    case kOpSetAcl: {
      TxnBody txn;
      txn.kind = TxnBody::Kind::kSetAcl;
      if (!span.ReadBuffer(&txn.path) || !ReadAcl(span, &txn.acl) ||
          !span.ReadInt32(&txn.version)) {
        return std::nullopt;
      }
      return txn;
    }
    default:
      return std::nullopt;
  }
}

std::vector<std::pair<int32_t, std::string>> MultiOps(const char* body, size_t size) {
  SpanReader span(body, size);
  int32_t count = 0;
  if (!span.ReadInt32(&count) || count < 0) return {};
  std::vector<std::pair<int32_t, std::string>> ops;
  for (int32_t i = 0; i < count; ++i) {
    int32_t type = 0;
    std::string data;
    if (!span.ReadInt32(&type) || !span.ReadBuffer(&data)) return {};
    if (type == kOpError) return {};
    ops.emplace_back(type, std::move(data));
  }
  return ops;
}

}  // namespace lockstep::zkfmt
