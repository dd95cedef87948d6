// The audit log: its times, which requests it records and what an entry says, the file (0600,
// appended, rotated, bounded) and reading it back from a time on, merged across masters.
#include "agent/http/audit.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "agent/http/audit_service.h"
#include "agent/master/audit_log.h"
#include "api/audit_time.h"
#include "api/paths.h"
#include "tests/zk_files.h"

namespace lockstep::agent {
namespace {

using std::chrono::system_clock;

system_clock::time_point At(const std::string& text) {
  auto parsed = api::ParseAuditTime(text);
  EXPECT_TRUE(parsed.ok()) << text << ": " << parsed.status().ToString();
  return parsed.ok() ? *parsed : system_clock::time_point();
}

proto::AuditEntry Entry(const std::string& time, const std::string& token = "ops",
                        const std::string& master = "m1") {
  proto::AuditEntry entry;
  entry.set_time(time);
  entry.set_token(token);
  entry.set_master(master);
  entry.set_operation("POST /v1/backups");
  entry.set_status(202);
  return entry;
}

TEST(AuditTime, OneFixedWidthUtcFormReadFromRfc3339DatesAndAges) {
  EXPECT_EQ(api::AuditTimestamp(At("2026-12-01T23:56:21.123Z")), "2026-12-01T23:56:21.123Z");
  EXPECT_EQ(api::AuditTimestamp(At("2026-12-01T23:56:21Z")), "2026-12-01T23:56:21.000Z");
  EXPECT_EQ(api::AuditTimestamp(At("2026-12-02T01:56:21.5+02:00")), "2026-12-01T23:56:21.500Z");
  EXPECT_EQ(api::AuditTimestamp(At("2026-12-01")), "2026-12-01T00:00:00.000Z");
  for (const char* bad : {"yesterday", "2026-02-31", "2026-12-01T25:00:00Z", "2026-12-01T10:00:00",
                          "2026-12-01T10:00:00+2", ""}) {
    auto parsed = api::ParseAuditTime(bad);
    EXPECT_FALSE(parsed.ok()) << bad;
    if (!parsed.ok()) {
      EXPECT_NE(parsed.status().message().find("RFC 3339"), std::string::npos);
    }
  }
  const auto now = At("2026-12-01T12:00:00Z");
  EXPECT_EQ(*api::SinceBound("90m", now), "2026-12-01T10:30:00.000Z");
  EXPECT_EQ(*api::SinceBound("24h", now), "2026-11-30T12:00:00.000Z");
  EXPECT_EQ(*api::SinceBound("7d", now), "2026-11-24T12:00:00.000Z");
  EXPECT_EQ(*api::SinceBound("2026-11-30T00:00:00Z", now), "2026-11-30T00:00:00.000Z");
  EXPECT_FALSE(api::SinceBound("7w", now).ok());
}

TEST(AuditLog, AppendsPrivateJsonLinesAndReadsThemFromATimeOn) {
  testing::TempDir dir;
  AuditLog log(dir / "audit.log");
  ASSERT_TRUE(log.Append(Entry("2026-12-01T10:00:00.000Z", "a")).ok());
  ASSERT_TRUE(log.Append(Entry("2026-12-01T11:00:00.000Z", "b")).ok());
  ASSERT_TRUE(log.Append(Entry("2026-12-01T12:00:00.000Z", "c")).ok());
  struct stat info {};
  ASSERT_EQ(stat(log.path().c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  const std::string text = testing::ReadFile(log.path());
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 3) << text;

  proto::AuditLog all = log.Read("", 100);
  ASSERT_EQ(all.entries_size(), 3);
  EXPECT_EQ(all.entries(0).token(), "a");
  EXPECT_FALSE(all.truncated());
  proto::AuditLog later = log.Read("2026-12-01T11:00:00.000Z", 100);
  ASSERT_EQ(later.entries_size(), 2);
  EXPECT_EQ(later.entries(0).token(), "b");
  proto::AuditLog newest = log.Read("", 1);
  ASSERT_EQ(newest.entries_size(), 1);
  EXPECT_EQ(newest.entries(0).token(), "c");
  EXPECT_TRUE(newest.truncated());
}

TEST(AuditLog, RotatesAtItsSizeAndKeepsAFewFiles) {
  testing::TempDir dir;
  AuditLog log(dir / "audit.log", {.max_bytes = 1000, .keep = 2});
  for (int i = 0; i < 100; ++i) {
    char time[32];
    std::snprintf(time, sizeof time, "2026-12-01T10:00:%02d.000Z", i % 60);
    ASSERT_TRUE(log.Append(Entry(time, "t" + std::to_string(i))).ok());
  }
  namespace fs = std::filesystem;
  uint64_t total = 0;
  int files = 0;
  for (const auto& file : fs::directory_iterator(dir.path())) {
    ++files;
    total += fs::file_size(file.path());
    EXPECT_LE(fs::file_size(file.path()), 1000u) << file.path();
  }
  EXPECT_EQ(files, 3) << "audit.log, .1 and .2";
  EXPECT_LE(total, 3000u);
  EXPECT_TRUE(fs::exists(dir / "audit.log.2"));
  EXPECT_FALSE(fs::exists(dir / "audit.log.3"));
  // What is kept reads back in order, ending with the newest.
  proto::AuditLog kept = log.Read("", 1000);
  ASSERT_GT(kept.entries_size(), 3);
  EXPECT_EQ(kept.entries(kept.entries_size() - 1).token(), "t99");
  for (int i = 1; i < kept.entries_size(); ++i) {
    EXPECT_EQ(std::stoi(kept.entries(i).token().substr(1)),
              std::stoi(kept.entries(i - 1).token().substr(1)) + 1);
  }
}

TEST(AuditLog, SkipsATornLine) {
  testing::TempDir dir;
  AuditLog log(dir / "audit.log");
  ASSERT_TRUE(log.Append(Entry("2026-12-01T10:00:00.000Z", "a")).ok());
  {
    std::FILE* file = std::fopen((dir / "audit.log").c_str(), "a");
    std::fputs("{\"time\":\"2026-12-01T10:00:01", file);  // a crash mid-write
    std::fclose(file);
  }
  ASSERT_TRUE(log.Append(Entry("2026-12-01T10:00:02.000Z", "b")).ok());
  proto::AuditLog read = log.Read("", 10);
  ASSERT_EQ(read.entries_size(), 2) << "the torn line is skipped, the next one kept";
  EXPECT_EQ(read.entries(0).token(), "a");
  EXPECT_EQ(read.entries(1).token(), "b");
}

Route RestoreRoute() {
  return {"POST", api::paths::kBackupRestore, Access::kAdmin, false, "", nullptr};
}

http::Request Post(const std::string& path, const std::string& body = "") {
  http::Request request;
  request.method = "POST";
  request.path = path;
  request.body = body;
  request.remote = "127.0.0.1:5555";
  return request;
}

TEST(Audit, RecordsChangesAndRefusalsButNotReadsOrAgentsTraffic) {
  const Route restore = RestoreRoute();
  const Route internal{"POST", api::paths::kRestoreStep, Access::kCluster, true, "", nullptr};
  Route download{"GET", api::paths::kBackupArchive, Access::kOperator, false, "", nullptr};
  download.audit_reads = true;
  Dispatched viewer{.route = &restore, .caller = Principal{.name = "ci-viewer"}};
  Dispatched agent{.route = &internal,
                   .caller = Principal{.name = kClusterPrincipal, .cluster = true}};
  Dispatched legacy{
      .route = &restore,
      .caller = Principal{.name = "admin", .role = api::Role::kAdmin, .cluster = true}};
  Dispatched forwarded_here{.route = &restore,
                            .caller = Principal{.name = "ops", .role = api::Role::kAdmin},
                            .via = "m1"};
  Dispatched downloader{.route = &download,
                        .caller = Principal{.name = "ops", .role = api::Role::kOperator}};
  const http::Request post = Post("/v1/backups/b1/restore");
  http::Request get = post;
  get.method = "GET";
  EXPECT_TRUE(ShouldAudit(post, {.status = 403}, viewer));
  EXPECT_FALSE(ShouldAudit(get, {.status = 200}, viewer));
  EXPECT_FALSE(ShouldAudit(post, {.status = 200}, agent));
  EXPECT_TRUE(ShouldAudit(post, {.status = 202}, legacy)) << "the shared token used by a person";
  EXPECT_TRUE(ShouldAudit(post, {.status = 202}, forwarded_here)) << "executed here, for ops";
  EXPECT_FALSE(ShouldAudit(post, {.status = 202, .relayed = true}, forwarded_here))
      << "relayed from the agent that executed it, which recorded it";
  EXPECT_TRUE(ShouldAudit(get, {.status = 200}, downloader)) << "an archive left the cluster";
  EXPECT_FALSE(ShouldAudit(Post("/v1/nope"), {.status = 401}, Dispatched{}))
      << "counted (refusals.h), not written";
  EXPECT_FALSE(ShouldAudit(Post("/nope"), {.status = 404}, Dispatched{}));
}

TEST(Audit, AForwardedRequestsEntryNamesTheMasterThatReceivedIt) {
  const Route restore = RestoreRoute();
  Dispatched dispatched{.route = &restore,
                        .params = {{"id", "nightly-1"}},
                        .caller = Principal{.name = "ops", .role = api::Role::kAdmin},
                        .via = "m1"};
  proto::AuditEntry entry = MakeAuditEntry(Post("/v1/backups/nightly-1/restore"), {.status = 202},
                                           dispatched, "m3", At("2026-12-01T10:00:00.250Z"));
  EXPECT_EQ(entry.master(), "m3");
  EXPECT_EQ(entry.via(), "m1");
  EXPECT_EQ(entry.token(), "ops");
  EXPECT_EQ(entry.role(), "admin");
}

TEST(Audit, AnEntryNamesWhoWhatWhereAndTheResult) {
  const Route restore = RestoreRoute();
  Dispatched dispatched{.route = &restore,
                        .params = {{"id", "nightly-1"}},
                        .caller = Principal{.name = "ci-viewer", .role = api::Role::kViewer}};
  http::Request request = Post("/v1/backups/nightly-1/restore");
  request.client_subject = "/CN=ops-laptop";
  http::Reply refused = http::ErrorReply(403, "forbidden", "needs the admin role");
  proto::AuditEntry entry =
      MakeAuditEntry(request, refused, dispatched, "m2", At("2026-12-01T10:00:00.250Z"));
  EXPECT_EQ(entry.time(), "2026-12-01T10:00:00.250Z");
  EXPECT_EQ(entry.master(), "m2");
  EXPECT_EQ(entry.token(), "ci-viewer");
  EXPECT_EQ(entry.role(), "viewer");
  EXPECT_EQ(entry.client_cert(), "/CN=ops-laptop");
  EXPECT_EQ(entry.remote(), "127.0.0.1:5555");
  EXPECT_EQ(entry.operation(), "POST /v1/backups/{id}/restore");
  EXPECT_EQ(entry.target(), "nightly-1");
  EXPECT_EQ(entry.status(), 403);
  EXPECT_EQ(entry.code(), "forbidden");

  const Route create{"POST", api::paths::kBackups, Access::kOperator, false, "", nullptr};
  proto::AuditEntry created =
      MakeAuditEntry(Post("/v1/backups", R"({"label":"before-upgrade"})"), {.status = 202},
                     {.route = &create}, "m1", At("2026-12-01"));
  EXPECT_EQ(created.target(), "before-upgrade");
  EXPECT_EQ(created.code(), "");
  EXPECT_EQ(created.token(), "");

  proto::AuditEntry odd = MakeAuditEntry(Post("/v1/" + std::string(1000, 'x') + "\n\xff"),
                                         {.status = 401}, {}, "m1", At("2026-12-01"));
  EXPECT_LE(odd.operation().size(), 300u);
  EXPECT_EQ(odd.operation().find('\n'), std::string::npos);
}

TEST(Audit, MastersEntriesMergeByTimeAndStayBounded) {
  proto::AuditLog log;
  *log.add_entries() = Entry("2026-12-01T10:00:02.000Z", "c", "m1");
  *log.add_entries() = Entry("2026-12-01T10:00:00.000Z", "a", "m2");
  *log.add_entries() = Entry("2026-12-01T10:00:01.000Z", "b", "m3");
  SortAndBound(&log, 10);
  ASSERT_EQ(log.entries_size(), 3);
  EXPECT_EQ(log.entries(0).token(), "a");
  EXPECT_EQ(log.entries(2).token(), "c");
  EXPECT_FALSE(log.truncated());
  SortAndBound(&log, 2);
  ASSERT_EQ(log.entries_size(), 2);
  EXPECT_EQ(log.entries(0).token(), "b");
  EXPECT_TRUE(log.truncated());
}

}  // namespace
}  // namespace lockstep::agent
