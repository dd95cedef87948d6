#include "integration/netns.h"

#include <unistd.h>

#include <chrono>
#include <sstream>

#include "common/process.h"

namespace lockstep::integration {
namespace {

constexpr auto kIpTimeout = std::chrono::seconds(10);

Status Ip(const std::string& args) {
  ASSIGN_OR_RETURN(CommandResult ran, RunShellCommand("/usr/sbin/ip " + args, kIpTimeout));
  if (ran.exit_code != 0) {
    return Internal("ip " + args + " failed (needs root and iproute2): " + ran.output);
  }
  return Status::Ok();
}

}  // namespace

MasterNetworks::~MasterNetworks() {
  if (!kept_) Destroy();
}

std::string MasterNetworks::Keep() {
  kept_ = true;
  return tag_ + " " + std::to_string(subnet_) + " " + std::to_string(masters_);
}

Result<std::unique_ptr<MasterNetworks>> MasterNetworks::Attach(const std::string& kept) {
  auto networks = std::make_unique<MasterNetworks>();
  std::istringstream fields(kept);
  if (!(fields >> networks->tag_ >> networks->subnet_ >> networks->masters_) ||
      networks->masters_ < 1) {
    return InvalidArgument("not a description of master networks: '" + kept + "'");
  }
  networks->kept_ = true;  // attaching changes nothing by itself
  return networks;
}

std::string MasterNetworks::Host(int i) const {
  return "10.77." + std::to_string(subnet_) + "." + std::to_string(i);
}

std::string MasterNetworks::Namespace(int i) const {
  return "lockstep-" + tag_ + "-m" + std::to_string(i);
}

std::vector<std::string> MasterNetworks::InNamespace(int i, std::vector<std::string> argv) const {
  std::vector<std::string> wrapped = {"/usr/sbin/ip", "netns", "exec", Namespace(i)};
  wrapped.insert(wrapped.end(), argv.begin(), argv.end());
  return wrapped;
}

Status MasterNetworks::Create(int masters) {
  masters_ = masters;
  tag_ = std::to_string(::getpid() % 100000);
  Destroy();  // leftovers of a crashed run with the same pid
  masters_ = masters;
  // A subnet no other cluster on this machine uses (another suite, a sandbox).
  ASSIGN_OR_RETURN(CommandResult addresses,
                   RunShellCommand("/usr/sbin/ip -o -4 addr show", kIpTimeout));
  subnet_ = 1 + static_cast<int>(::getpid() % 250);
  for (int tries = 0;
       addresses.output.find(" 10.77." + std::to_string(subnet_) + ".") != std::string::npos;
       ++tries) {
    if (tries == 250) return Internal("every 10.77.S.0/24 subnet is in use");
    subnet_ = subnet_ % 250 + 1;
  }
  const std::string bridge = "lsb" + tag_;
  RETURN_IF_ERROR(Ip("link add " + bridge + " type bridge"));
  RETURN_IF_ERROR(Ip("addr add 10.77." + std::to_string(subnet_) + ".254/24 dev " + bridge));
  RETURN_IF_ERROR(Ip("link set " + bridge + " up"));
  for (int i = 1; i <= masters; ++i) {
    const std::string ns = Namespace(i);
    const std::string outside = "ls" + tag_ + "h" + std::to_string(i);
    const std::string inside = "ls" + tag_ + "n" + std::to_string(i);
    RETURN_IF_ERROR(Ip("netns add " + ns));
    RETURN_IF_ERROR(Ip("link add " + outside + " type veth peer name " + inside));
    RETURN_IF_ERROR(Ip("link set " + inside + " netns " + ns));
    RETURN_IF_ERROR(Ip("link set " + outside + " master " + bridge));
    RETURN_IF_ERROR(Ip("link set " + outside + " up"));
    RETURN_IF_ERROR(Ip("-n " + ns + " addr add " + Host(i) + "/24 dev " + inside));
    RETURN_IF_ERROR(Ip("-n " + ns + " link set " + inside + " up"));
    RETURN_IF_ERROR(Ip("-n " + ns + " link set lo up"));
  }
  return Status::Ok();
}

void MasterNetworks::Destroy() {
  if (tag_.empty()) return;
  for (int i = 1; i <= masters_; ++i) (void)Ip("netns delete " + Namespace(i) + " 2>/dev/null");
  (void)Ip("link delete lsb" + tag_ + " 2>/dev/null");
  cut_.clear();
}

Status MasterNetworks::Route(const std::string& verb, int from, int to) const {
  return Ip("-n " + Namespace(from) + " route " + verb + " blackhole " + Host(to) + "/32");
}

Status MasterNetworks::Partition(const std::set<int>& side) {
  for (int a = 1; a <= masters_; ++a) {
    for (int b = 1; b <= masters_; ++b) {
      if (side.count(a) == 0 || side.count(b) > 0) continue;
      for (auto [from, to] : {std::pair{a, b}, std::pair{b, a}}) {
        // `replace`: the route may be there already (an earlier partition, another process).
        if (cut_.insert({from, to}).second) RETURN_IF_ERROR(Route("replace", from, to));
      }
    }
  }
  return Status::Ok();
}

Status MasterNetworks::Heal() {
  // Every blackhole route in every namespace, not only this object's: another process (a
  // sandbox command) may have made them.
  for (int i = 1; i <= masters_; ++i) {
    RETURN_IF_ERROR(Ip("-n " + Namespace(i) + " route flush type blackhole"));
  }
  cut_.clear();
  return Status::Ok();
}

}  // namespace lockstep::integration
