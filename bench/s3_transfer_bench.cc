// Upload and download of one large file to the S3 test server (tools/s3), Lockstep's S3Client
// against Debian's s3cmd on the same file, server and moment: MB/s and peak RSS per transfer.
// Issue 13's targets: at least s3cmd's speed both ways, peak RSS <= 64 MiB at any size.
//
//   build/bench/s3_transfer_bench [--mb N] [--runs R] [--dir PARENT]
//        N MiB of random data (600), best of R runs (3), scratch files under PARENT ($TMPDIR
//        or /tmp). Prints a markdown table and a summary line; asserts nothing about the targets
//        but exits 1 when a transfer fails or a download differs from the source.
//   s3_transfer_bench --child upload|download PORT NAME PATH
//        one Lockstep transfer against the server on 127.0.0.1:PORT (what the table runs).
//
// Every transfer is a child process of its own, so its peak RSS (wait4's ru_maxrss) is that
// transfer's alone: this program re-executed with --child for Lockstep, s3cmd for the baseline.
// Runs are interleaved (Lockstep put, s3cmd put, Lockstep get, s3cmd get, again) so that load
// from elsewhere on the machine falls on both tools alike. MB/s is the best run's; peak RSS is
// the highest of all runs; client CPU (user + system) is the best run's, the client's own cost
// apart from the server's. Both downloads fetch the object Lockstep uploaded; each is checked
// against the source's sha256.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "common/process.h"
#include "common/scratch_dir.h"
#include "common/sha256.h"
#include "integration/object_store.h"
#include "s3/s3_client.h"

namespace lockstep::bench {
namespace {

constexpr char kS3cmd[] = "/usr/bin/s3cmd";

struct Flags {
  uint64_t mebibytes = 600;
  int runs = 3;
  std::string parent;
};

// One transfer of one run: wall time of the whole child process, start-up included.
struct Sample {
  double seconds = 0;
  double peak_rss_mib = 0;
  double cpu_seconds = 0;  // user + system: the client's own cost, whatever the server's speed
};

// One row of the table: a transfer by one tool, over every run.
struct Row {
  std::string transfer;  // "upload" / "download"
  std::string tool;      // "lockstep" / "s3cmd"
  std::vector<std::string> argv;
  double best_seconds = 0;
  double peak_rss_mib = 0;
  double cpu_seconds = 0;  // of the best run
};

// Where the transfers find the server, the files and this program.
struct Setup {
  std::string self;  // this program, for --child
  std::string dir;
  std::string source;
  std::string source_sha256;
  std::string download;  // both tools download here, one after the other
  std::string s3cmd_config;
  std::string bucket;
  uint16_t port = 0;
};

std::string Tail(const std::string& path, size_t limit = 2000) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  const std::string all = text.str();
  return all.size() > limit ? "..." + all.substr(all.size() - limit) : all;
}

// N MiB from a seeded generator, written 1 MiB at a time (never held whole in memory), hashed on
// the way. Random: zstd-compressed archives don't compress further, and neither tool compresses.
Result<std::string> WriteRandomFile(const std::string& path, uint64_t mebibytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return ErrnoError("cannot create", path, errno);
  std::mt19937_64 random(13);
  std::vector<uint64_t> block((1 << 20) / sizeof(uint64_t));
  Sha256 sha256;
  for (uint64_t i = 0; i < mebibytes; ++i) {
    for (uint64_t& word : block) word = random();
    if (::write(fd, block.data(), 1 << 20) != (1 << 20)) {
      const int err = errno;
      ::close(fd);
      return ErrnoError("cannot write", path, err);
    }
    sha256.Update(block.data(), 1 << 20);
  }
  if (::close(fd) != 0) return ErrnoError("cannot write", path, errno);
  return sha256.HexDigest();
}

double Seconds(const timeval& time) {
  return static_cast<double>(time.tv_sec) + static_cast<double>(time.tv_usec) / 1e6;
}

// Runs argv to its end and measures it. Linux copies the pre-exec memory of a child (the
// forking parent's resident pages) into its ru_maxrss, so a measurement is never below this
// process's own size: RssFloor() measures that floor.
Result<Sample> RunChild(const std::vector<std::string>& argv, const std::string& log) {
  std::filesystem::remove(log);
  const auto start = std::chrono::steady_clock::now();
  ASSIGN_OR_RETURN(pid_t pid, SpawnProcess(argv, {.output_file = log, .die_with_parent = true}));
  int status = 0;
  rusage usage{};
  if (::wait4(pid, &status, 0, &usage) != pid) return ErrnoError("cannot wait for", argv[0], errno);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::string command;
    for (const std::string& arg : argv) command += (command.empty() ? "" : " ") + arg;
    return Internal(command + " failed (wait status " + std::to_string(status) + "):\n" +
                    Tail(log));
  }
  return Sample{seconds, static_cast<double>(usage.ru_maxrss) / 1024.0,  // ru_maxrss is KiB
                Seconds(usage.ru_utime) + Seconds(usage.ru_stime)};
}

Result<double> RssFloor(const Setup& setup) {
  ASSIGN_OR_RETURN(Sample sample, RunChild({"/bin/true"}, setup.dir + "/true.log"));
  return sample.peak_rss_mib;
}

Status CheckDownload(const Setup& setup, const std::string& tool) {
  ASSIGN_OR_RETURN(std::string sha256, Sha256OfFile(setup.download));
  std::filesystem::remove(setup.download);  // the next download starts from no file
  if (sha256 == setup.source_sha256) return Status::Ok();
  return Corruption(tool + "'s download differs from the source: sha256 " + sha256 +
                    ", the source's " + setup.source_sha256);
}

Status CheckUploadSize(const integration::ObjectStore& store, const std::string& key,
                       uint64_t size) {
  ASSIGN_OR_RETURN(s3::S3Client client, s3::S3Client::Create(store.ClientOptions()));
  ASSIGN_OR_RETURN(s3::ObjectInfo info, client.HeadObject(key));
  if (info.size == size) return Status::Ok();
  return Corruption(key + " is " + std::to_string(info.size) + " bytes after its upload, not " +
                    std::to_string(size));
}

// The four transfers, in the order each run makes them. Uploads go to a key per tool; both
// downloads read Lockstep's object (the one the next run overwrites).
std::vector<Row> Transfers(const Setup& setup) {
  const std::string port = std::to_string(setup.port);
  const std::string s3 = "s3://" + setup.bucket + "/";
  const std::vector<std::string> s3cmd = {kS3cmd, "-c", setup.s3cmd_config, "--no-progress"};
  auto with = [](std::vector<std::string> head, const std::vector<std::string>& tail) {
    head.insert(head.end(), tail.begin(), tail.end());
    return head;
  };
  return {
      {"upload",
       "lockstep",
       {setup.self, "--child", "upload", port, "bench/lockstep", setup.source}},
      {"upload", "s3cmd", with(s3cmd, {"put", setup.source, s3 + "bench/s3cmd"})},
      {"download",
       "lockstep",
       {setup.self, "--child", "download", port, "bench/lockstep", setup.download}},
      {"download", "s3cmd", with(s3cmd, {"--force", "get", s3 + "bench/lockstep", setup.download})},
  };
}

Status RunOnce(const Setup& setup, const integration::ObjectStore& store, uint64_t size,
               std::vector<Row>& rows) {
  for (Row& row : rows) {
    const std::string log = setup.dir + "/" + row.tool + "-" + row.transfer + ".log";
    ASSIGN_OR_RETURN(Sample sample, RunChild(row.argv, log));
    if (row.transfer == "download") {
      RETURN_IF_ERROR(CheckDownload(setup, row.tool));
    } else {
      RETURN_IF_ERROR(CheckUploadSize(store, "bench/" + row.tool, size));
    }
    if (row.best_seconds == 0 || sample.seconds < row.best_seconds) {
      row.best_seconds = sample.seconds;
      row.cpu_seconds = sample.cpu_seconds;
    }
    row.peak_rss_mib = std::max(row.peak_rss_mib, sample.peak_rss_mib);
  }
  return Status::Ok();
}

const Row& Find(const std::vector<Row>& rows, const std::string& transfer,
                const std::string& tool) {
  return *std::find_if(rows.begin(), rows.end(), [&](const Row& row) {
    return row.transfer == transfer && row.tool == tool;
  });
}

void PrintTable(const std::vector<Row>& rows, uint64_t size) {
  const double megabytes = static_cast<double>(size) / 1e6;
  std::printf("| transfer | tool | MB/s | peak RSS MiB | ratio vs s3cmd | client CPU s |\n");
  std::printf("|---|---|---:|---:|---:|---:|\n");
  for (const Row& row : rows) {
    const double baseline = Find(rows, row.transfer, "s3cmd").best_seconds;
    std::printf("| %s | %s | %.0f | %.1f | %.2f | %.2f |\n", row.transfer.c_str(), row.tool.c_str(),
                megabytes / row.best_seconds, row.peak_rss_mib, baseline / row.best_seconds,
                row.cpu_seconds);
  }
}

// One line for an issue or a commit message: the figures and whether the targets are met.
void PrintSummary(const std::vector<Row>& rows, const Flags& flags) {
  const double megabytes = static_cast<double>(flags.mebibytes << 20) / 1e6;
  std::string line = "**" + std::to_string(flags.mebibytes) + " MiB, best of " +
                     std::to_string(flags.runs) + "**:";
  bool met = true;
  for (const char* transfer : {"upload", "download"}) {
    const Row& ours = Find(rows, transfer, "lockstep");
    const Row& theirs = Find(rows, transfer, "s3cmd");
    const double ratio = theirs.best_seconds / ours.best_seconds;
    met = met && ratio >= 1.0 && ours.peak_rss_mib <= 64.0;
    char text[200];
    std::snprintf(text, sizeof text,
                  " %s %.0f MB/s (s3cmd %.0f, %.2fx), peak RSS %.1f MiB (s3cmd %.1f);", transfer,
                  megabytes / ours.best_seconds, megabytes / theirs.best_seconds, ratio,
                  ours.peak_rss_mib, theirs.peak_rss_mib);
    line += text;
  }
  line += met ? " targets (>= s3cmd both ways, <= 64 MiB) met" : " targets NOT met";
  std::printf("\n%s\n", line.c_str());
}

Result<Setup> Prepare(const Flags& flags, const std::string& dir,
                      const integration::ObjectStore& store) {
  Setup setup;
  setup.self = std::filesystem::read_symlink("/proc/self/exe").string();
  setup.dir = dir;
  setup.source = dir + "/source";
  setup.download = dir + "/download";
  setup.s3cmd_config = dir + "/s3cmd.cfg";
  setup.bucket = store.options().bucket;
  setup.port = store.options().port;
  RETURN_IF_ERROR(store.WriteS3cmdConfig(setup.s3cmd_config));
  ASSIGN_OR_RETURN(setup.source_sha256, WriteRandomFile(setup.source, flags.mebibytes));
  return setup;
}

Status Table(const Flags& flags) {
  if (::access(kS3cmd, X_OK) != 0) return ErrnoError("cannot run", kS3cmd, errno);
  ASSIGN_OR_RETURN(ScratchDir dir, ScratchDir::Create(flags.parent, "s3-transfer-bench-"));
  // Declared after `dir`: the server stops before its data directory is removed.
  integration::ObjectStore store({.work_dir = dir.path() + "/s3"});
  RETURN_IF_ERROR_PREPEND(store.Start(), "starting the S3 test server");
  ASSIGN_OR_RETURN(Setup setup, Prepare(flags, dir.path(), store));
  std::vector<Row> rows = Transfers(setup);
  for (int run = 1; run <= flags.runs; ++run) {
    std::fprintf(stderr, "s3_transfer_bench: run %d of %d\n", run, flags.runs);
    RETURN_IF_ERROR(RunOnce(setup, store, flags.mebibytes << 20, rows));
  }
  ASSIGN_OR_RETURN(double floor, RssFloor(setup));
  std::printf(
      "%llu MiB of random data to the S3 test server (tools/s3) on 127.0.0.1, best of %d "
      "runs (peak RSS: highest of all runs; floor, /bin/true spawned the same way: %.1f "
      "MiB); every download matched the source's sha256\n\n",
      static_cast<unsigned long long>(flags.mebibytes), flags.runs, floor);
  PrintTable(rows, flags.mebibytes << 20);
  PrintSummary(rows, flags);
  return store.Stop();
}

// --child: one transfer with S3Client, as the agent makes it.
Status Child(const std::string& direction, uint16_t port, const std::string& name,
             const std::string& path) {
  // Only to build the client the way tests do (keys, bucket, path style); not started here.
  const integration::ObjectStore store({.port = port});
  ASSIGN_OR_RETURN(s3::S3Client client, s3::S3Client::Create(store.ClientOptions()));
  if (direction == "upload") return client.UploadFile(name, path).status();
  if (direction == "download") return client.GetObjectToFile(name, path);
  return InvalidArgument("--child takes upload or download, not '" + direction + "'");
}

std::string DefaultParent() {
  const char* tmpdir = std::getenv("TMPDIR");
  return tmpdir && *tmpdir ? tmpdir : "/tmp";
}

Result<Flags> ParseFlags(const std::vector<std::string>& args) {
  Flags flags{.parent = DefaultParent()};
  for (size_t i = 0; i < args.size(); i += 2) {
    if (i + 1 >= args.size()) return InvalidArgument(args[i] + " needs a value");
    const std::string& value = args[i + 1];
    if (args[i] == "--mb") {
      flags.mebibytes = std::stoull(value);
    } else if (args[i] == "--runs") {
      flags.runs = std::stoi(value);
    } else if (args[i] == "--dir") {
      flags.parent = value;
    } else {
      return InvalidArgument("unknown flag " + args[i]);
    }
  }
  if (flags.mebibytes == 0 || flags.runs < 1) return InvalidArgument("--mb and --runs must be > 0");
  return flags;
}

int Fail(const Status& status) {
  std::fprintf(stderr, "s3_transfer_bench: %s\n", status.ToString().c_str());
  return status.code() == StatusCode::kInvalidArgument ? 2 : 1;
}

int Main(const std::vector<std::string>& args) {
  if (args.size() == 5 && args[0] == "--child") {
    const Status status =
        Child(args[1], static_cast<uint16_t>(std::stoi(args[2])), args[3], args[4]);
    return status.ok() ? 0 : Fail(status);
  }
  Result<Flags> flags = ParseFlags(args);
  if (!flags.ok()) {
    std::fprintf(stderr, "usage: s3_transfer_bench [--mb N] [--runs R] [--dir PARENT]\n");
    return Fail(flags.status());
  }
  const Status status = Table(*flags);
  return status.ok() ? 0 : Fail(status);
}

}  // namespace
}  // namespace lockstep::bench

int main(int argc, char** argv) {
  try {
    return lockstep::bench::Main(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const std::exception& e) {  // std::stoi on a bad number, filesystem errors
    std::fprintf(stderr, "s3_transfer_bench: %s\n", e.what());
    return 2;
  }
}
