// age encryption throughput, ours (common/crypto) against Debian's `age`, on one file:
//
//   age_bench table [SIZE_MB [DIR]]    encrypts and decrypts SIZE_MB (600) of random bytes both
//                                      ways and prints MB/s per direction and implementation
//   age_bench encrypt SRC DST RECIPIENT / age_bench decrypt SRC DST IDENTITY_FILE
//                                      one operation, to measure under /usr/bin/time -v
//
// Both implementations read and write the same files in DIR (default /tmp), so the page cache
// treats them alike; on a shared machine, run it twice and compare.
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "common/crypto/age_file.h"
#include "common/process.h"
#include "common/scratch_dir.h"

namespace lockstep::age {
namespace {

double Seconds(const std::function<Status()>& run) {
  const auto start = std::chrono::steady_clock::now();
  Status status = run();
  if (!status.ok()) {
    std::fprintf(stderr, "age_bench: %s\n", status.ToString().c_str());
    std::exit(1);
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

Status Shell(const std::string& command) {
  ASSIGN_OR_RETURN(CommandResult result, RunShellCommand(command, std::chrono::minutes(30)));
  if (result.exit_code != 0) return Internal(command + ": " + result.output);
  return Status::Ok();
}

void WriteRandomFile(const std::string& path, size_t megabytes) {
  std::ofstream out(path, std::ios::binary);
  std::mt19937_64 random(42);
  std::vector<uint64_t> block(1 << 17);  // 1 MiB
  for (size_t i = 0; i < megabytes; ++i) {
    for (uint64_t& word : block) word = random();
    out.write(reinterpret_cast<const char*>(block.data()), 1 << 20);
  }
}

int Table(size_t megabytes, const std::string& parent) {
  ScratchDir dir = std::move(ScratchDir::Create(parent, "age-bench-")).value();
  const std::string d = dir.path() + "/";
  WriteRandomFile(d + "plain", megabytes);
  const X25519Identity identity = std::move(GenerateIdentity()).value();
  std::ofstream(d + "key.txt") << IdentityFileText(identity, std::chrono::system_clock::now());
  const std::string recipient = identity.recipient().ToString();
  const double ours_enc =
      Seconds([&] { return EncryptFile(d + "plain", d + "ours.age", {identity.recipient()}); });
  const double age_enc = Seconds(
      [&] { return Shell("age -e -r " + recipient + " -o " + d + "age.age " + d + "plain"); });
  const double ours_dec =
      Seconds([&] { return DecryptFile(d + "age.age", d + "ours.out", {identity}); });
  const double age_dec = Seconds(
      [&] { return Shell("age -d -i " + d + "key.txt -o " + d + "age.out " + d + "ours.age"); });
  Status same =
      Shell("cmp " + d + "plain " + d + "ours.out && cmp " + d + "plain " + d + "age.out");
  const double mb = static_cast<double>(megabytes) * 1.048576;  // MiB of data, in MB
  std::printf("%zu MiB random data, files in %s (%s)\n", megabytes, parent.c_str(),
              same.ok() ? "both decryptions identical to the input" : "OUTPUT DIFFERS");
  std::printf("%-10s %12s %12s\n", "", "ours MB/s", "age MB/s");
  std::printf("%-10s %12.0f %12.0f\n", "encrypt", mb / ours_enc, mb / age_enc);
  std::printf("%-10s %12.0f %12.0f\n", "decrypt", mb / ours_dec, mb / age_dec);
  return same.ok() ? 0 : 1;
}

int One(const std::vector<std::string>& args) {
  Status status;
  if (args[0] == "encrypt") {
    auto recipient = ParseRecipient(args[3]);
    status = recipient.ok() ? EncryptFile(args[1], args[2], {*recipient}) : recipient.status();
  } else {
    auto identities = ReadIdentityFile(args[3]);
    status = identities.ok() ? DecryptFile(args[1], args[2], *identities) : identities.status();
  }
  if (!status.ok()) std::fprintf(stderr, "age_bench: %s\n", status.ToString().c_str());
  return status.ok() ? 0 : 1;
}

}  // namespace
}  // namespace lockstep::age

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && args[0] == "table") {
    return lockstep::age::Table(args.size() > 1 ? std::stoul(args[1]) : 600,
                                args.size() > 2 ? args[2] : "/tmp");
  }
  if (args.size() == 4 && (args[0] == "encrypt" || args[0] == "decrypt")) {
    return lockstep::age::One(args);
  }
  std::fprintf(stderr,
               "usage: age_bench table [SIZE_MB [DIR]] | encrypt SRC DST RECIPIENT | "
               "decrypt SRC DST IDENTITY_FILE\n");
  return 2;
}
