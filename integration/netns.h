// Masters in network namespaces, so a test can cut them apart: on loopback every connection
// leaves from 127.0.0.1 and nothing tells one master's traffic from another's. Each master gets
// its own namespace with one interface on a bridge in the test's namespace, at 10.77.S.i (S from
// the test process's pid, so parallel suites don't meet); the bridge holds 10.77.S.254, so the
// test process reaches every master whatever is cut between them. Nothing leaves the machine.
//
// A partition is a pair of blackhole routes per cut pair of masters (each side drops what it
// would send the other): established connections stall as on a real network, nothing is
// refused. Heal() removes them. Needs root (`ip` from iproute2). Not thread-safe.
#pragma once

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/status.h"

namespace lockstep::integration {

class MasterNetworks {
 public:
  MasterNetworks() = default;
  ~MasterNetworks();  // Destroy()
  MasterNetworks(const MasterNetworks&) = delete;
  MasterNetworks& operator=(const MasterNetworks&) = delete;

  // The bridge and a namespace per master 1..masters; any left by an earlier run are replaced.
  Status Create(int masters);
  // Removes the namespaces (their interfaces go with them) and the bridge. Processes still
  // running in a namespace keep it alive until they end.
  void Destroy();
  // Leaves the networks in place when this object goes away (a detached sandbox), and how to
  // find them again from another process: "TAG SUBNET MASTERS", for Attach().
  std::string Keep();
  // The networks Keep() described, to partition, heal or Destroy() them.
  static Result<std::unique_ptr<MasterNetworks>> Attach(const std::string& kept);

  std::string Host(int i) const;       // 10.77.S.i
  std::string Namespace(int i) const;  // for `ip netns exec`
  // argv that runs `argv` inside master i's namespace.
  std::vector<std::string> InNamespace(int i, std::vector<std::string> argv) const;

  // Cuts every master in `side` off from every master not in it (both directions).
  Status Partition(const std::set<int>& side);
  Status Heal();

 private:
  Status Route(const std::string& verb, int from, int to) const;

  int masters_ = 0;
  int subnet_ = 0;
  std::string tag_;  // short and unique: interface names are 15 characters at most
  std::set<std::pair<int, int>> cut_;
  bool kept_ = false;
};

}  // namespace lockstep::integration
