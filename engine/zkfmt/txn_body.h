// The bodies of the transactions that change znodes (jute, after the 32-byte TxnHeader), parsed
// into one shape for the readers that replay a log: TreeModel (paths only) and NodeTable (data,
// ACLs, versions). Layouts, as ZooKeeper's txn.jute declares them:
//   CreateTxn           {path, buffer data, vector<ACL> acl, boolean ephemeral, int parentCVersion}
//   CreateContainerTxn  {path, buffer data, vector<ACL> acl, int parentCVersion}
//   CreateTTLTxn        {path, buffer data, vector<ACL> acl, int parentCVersion, long ttl}
//   DeleteTxn           {path}
//   SetDataTxn          {path, buffer data, int version}
//   SetACLTxn           {path, vector<ACL> acl, int version}
//   MultiTxn            {vector<Txn {int type, buffer data}>}
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/zkfmt/snapshot.h"

namespace lockstep::zkfmt {

// ZooKeeper opcodes (ZooDefs.OpCode) that change the tree.
enum OpCode : int32_t {
  kOpError = -1,
  kOpCreateSession = -10,
  kOpCloseSession = -11,
  kOpCreate = 1,
  kOpDelete = 2,
  kOpSetData = 5,
  kOpSetAcl = 7,
  kOpCheck = 13,
  kOpMulti = 14,
  kOpCreate2 = 15,
  kOpReconfig = 16,
  kOpCreateContainer = 19,
  kOpDeleteContainer = 20,
  kOpCreateTtl = 21,
};

struct TxnBody {
  enum class Kind { kCreate, kDelete, kSetData, kSetAcl };
  Kind kind = Kind::kCreate;
  std::string path;
  std::string data;        // create, set data
  AclList acl;             // create, set ACL
  bool ephemeral = false;  // create (a session's node)
  int32_t version = 0;     // set data, set ACL: the node's version after the change
};

// nullopt for an opcode that changes no node (sessions, check, multi, unknown) or a body too
// short for its type (such a record can't have been applied either).
std::optional<TxnBody> ParseTxnBody(int32_t type, const char* body, size_t size);

// A multi's sub-transactions in order; empty when any of them failed (kOpError), since ZooKeeper
// then applies none.
std::vector<std::pair<int32_t, std::string>> MultiOps(const char* body, size_t size);

}  // namespace lockstep::zkfmt
