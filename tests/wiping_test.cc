// Secrets a request carried are wiped once used: the strings taken out of a request's repeated
// field leave nothing behind in it, and a handled body's bytes are overwritten in place.
#include <gtest/gtest.h>

#include <string>

#include "common/crypto/secret.h"
#include "common/http/wiping_buffer.h"
#include "proto/backup.pb.h"

namespace lockstep {
namespace {

TEST(WipingTest, TakingARequestsIdentitiesLeavesTheRequestWithoutThem) {
  proto::RestoreRequest request;
  request.add_identities("AGE-SECRET-KEY-1ONE");
  request.add_identities("AGE-SECRET-KEY-1TWO");
  {
    const age::SecretStrings taken = age::TakeSecrets(request.mutable_identities());
    EXPECT_EQ(taken.get(),
              (std::vector<std::string>{"AGE-SECRET-KEY-1ONE", "AGE-SECRET-KEY-1TWO"}));
    EXPECT_EQ(request.identities_size(), 0);
    EXPECT_EQ(request.SerializeAsString().find("AGE-SECRET"), std::string::npos);
  }
}

TEST(WipingTest, AMovedSecretStringsHoldsTheSecretsTheOtherGaveUp) {
  std::vector<std::string> given = {"AGE-SECRET-KEY-1ONE"};
  age::SecretStrings first(given.begin(), given.end());
  age::SecretStrings second(std::move(first));
  EXPECT_TRUE(first.get().empty());  // NOLINT: moved-from, checked on purpose
  EXPECT_EQ(second.get(), given);
}

TEST(WipingTest, AHandledBodyIsOverwrittenWhereItLies) {
  std::string body = R"({"identities":["AGE-SECRET-KEY-1ONE"]})";
  const char* where = body.data();
  const size_t size = body.size();
  http::WipeString(body);
  ASSERT_EQ(body.data(), where);
  ASSERT_EQ(body.size(), size);
  EXPECT_EQ(body, std::string(size, '\0'));
}

}  // namespace
}  // namespace lockstep
