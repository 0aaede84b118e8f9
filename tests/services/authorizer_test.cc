// The policy table against the protos, without a server: the check timebankd
// runs at start (CheckPolicyTable) on tables that are out of step, and the
// compile-time pieces it backs up. That a misspelt rpc does not compile is
// shown by the tests in does_not_compile/.

#include "services/authorizer.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "tests/test_util/status_assertions.h"

namespace timebank::services {
namespace {

using google::protobuf::ServiceDescriptor;

const ServiceDescriptor* Generated(const char* name) {
  return google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
      name);
}

std::vector<const ServiceDescriptor*> OurServices() {
  return {Generated(v1::Ledger::service_full_name()),
          Generated(v1::Access::service_full_name()),
          Generated(v1::Assessment::service_full_name()),
          Generated(v1::Admin::service_full_name())};
}

std::vector<MethodPolicy> TableCopy() {
  return std::vector<MethodPolicy>(PolicyTable().begin(), PolicyTable().end());
}

TEST(PolicyCheck, TheTableCoversEveryRpcOfOurServices) {
  EXPECT_OK(CheckPolicyTable(OurServices()));
}

TEST(PolicyCheck, RefusesAnRpcWithoutARow) {
  std::vector<MethodPolicy> table = TableCopy();
  std::erase_if(table, [](const MethodPolicy& row) {
    return row.method == "Ledger.VerifyJournal";
  });
  EXPECT_STATUS(CheckPolicyTable(OurServices(), table),
                absl::StatusCode::kInternal,
                "policy table (services/authorizer.h): the rpc "
                "timebank.v1.Ledger.VerifyJournal has 0 rows");
}

TEST(PolicyCheck, RefusesAnRpcWithTwoRows) {
  std::vector<MethodPolicy> table = TableCopy();
  table.push_back(table.front());
  EXPECT_STATUS(CheckPolicyTable(OurServices(), table),
                absl::StatusCode::kInternal,
                "policy table (services/authorizer.h): the rpc "
                "timebank.v1.Ledger.CreateTimebank has 2 rows");
}

TEST(PolicyCheck, RefusesARowThatIsNoRpc) {
  std::vector<MethodPolicy> table = TableCopy();
  table.push_back(
      {"Ledger.Frobnicate", true, false, false, false, Scope::kAny});
  EXPECT_STATUS(CheckPolicyTable(OurServices(), table),
                absl::StatusCode::kInternal,
                "policy table (services/authorizer.h): the row "
                "Ledger.Frobnicate is no rpc");
}

// A service served but missing from the table, as a new service would be.
TEST(PolicyCheck, RefusesAServiceWithoutRows) {
  google::protobuf::FileDescriptorProto file;
  file.set_name("timebank/v1/extra.proto");
  file.set_package("timebank.v1");
  file.set_syntax("proto3");
  file.add_message_type()->set_name("Nothing");
  google::protobuf::ServiceDescriptorProto* extra = file.add_service();
  extra->set_name("Extra");
  google::protobuf::MethodDescriptorProto* method = extra->add_method();
  method->set_name("Frobnicate");
  method->set_input_type(".timebank.v1.Nothing");
  method->set_output_type(".timebank.v1.Nothing");
  google::protobuf::DescriptorPool pool;
  ASSERT_NE(pool.BuildFile(file), nullptr);
  std::vector<const ServiceDescriptor*> services = OurServices();
  services.push_back(pool.FindServiceByName("timebank.v1.Extra"));
  EXPECT_STATUS(CheckPolicyTable(services), absl::StatusCode::kInternal,
                "policy table (services/authorizer.h): the rpc "
                "timebank.v1.Extra.Frobnicate has 0 rows");
}

// The static_asserts in authorizer.h count rpcs through the generated
// AsyncService; this checks that count against the descriptors.
TEST(PolicyCheck, CompileTimeRpcCountsAgreeWithTheDescriptors) {
  using policy_internal::RpcCount;
  EXPECT_EQ(RpcCount<v1::Ledger::AsyncService>::value,
            static_cast<size_t>(OurServices()[0]->method_count()));
  EXPECT_EQ(RpcCount<v1::Access::AsyncService>::value,
            static_cast<size_t>(OurServices()[1]->method_count()));
  EXPECT_EQ(RpcCount<v1::Assessment::AsyncService>::value,
            static_cast<size_t>(OurServices()[2]->method_count()));
  EXPECT_EQ(RpcCount<v1::Admin::AsyncService>::value,
            static_cast<size_t>(OurServices()[3]->method_count()));
}

TEST(PolicyCheck, AnRpcIsItsRowOfTheTable) {
  constexpr Rpc kGetBalance = "Ledger.GetBalance";
  static_assert(kGetBalance.method() == "Ledger.GetBalance");
  static_assert(kGetBalance.policy().scope == Scope::kOwnAccount);
  const auto row = std::find_if(
      PolicyTable().begin(), PolicyTable().end(),
      [](const MethodPolicy& p) { return p.method == "Ledger.GetBalance"; });
  ASSERT_NE(row, PolicyTable().end());
  EXPECT_EQ(&kGetBalance.policy(), &*row);
}

}  // namespace
}  // namespace timebank::services
