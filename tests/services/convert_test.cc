// How the adapters hand proto enum numbers to the ledger: unchanged when they
// fit the ledger's uint8_t enums, and never wrapped onto a value that exists.

#include "services/convert.h"

#include <gtest/gtest.h>

#include <limits>

#include "ledger/access.h"
#include "ledger/assessment.h"
#include "ledger/report.h"
#include "ledger/validation.h"

namespace timebank::services {
namespace {

using ledger::Principle;

TEST(ToLedgerEnum, NumbersThatFitPassUnchanged) {
  for (const int number : {0, 1, 4, 99, 254}) {
    EXPECT_EQ(static_cast<int>(ToLedgerEnum<Principle>(number)), number);
  }
}

TEST(ToLedgerEnum, NumbersThatDoNotFitBecome255) {
  // 256 and 257 would wrap onto 0 and 1, which most enums name.
  for (const int number :
       {255, 256, 257, 259, 511, -1, -255, std::numeric_limits<int>::max(),
        std::numeric_limits<int>::min()}) {
    EXPECT_EQ(static_cast<int>(ToLedgerEnum<Principle>(number)), 255) << number;
  }
}

TEST(ToLedgerEnum, TheLedgerRefuses255InEveryEnum) {
  EXPECT_FALSE(
      ledger::CheckPrinciple("principle", ToLedgerEnum<Principle>(-1)).ok());
  EXPECT_FALSE(ledger::CheckPerspective("perspective",
                                        ToLedgerEnum<ledger::Perspective>(-1))
                   .ok());
  EXPECT_FALSE(ledger::CheckRag("rag", ToLedgerEnum<ledger::Rag>(-1)).ok());
  EXPECT_FALSE(ledger::CheckActionStatus("status",
                                         ToLedgerEnum<ledger::ActionStatus>(-1))
                   .ok());
  EXPECT_FALSE(
      ledger::CheckGranularity(ToLedgerEnum<ledger::Granularity>(-1)).ok());
  EXPECT_FALSE(
      ledger::CheckAccountKind(ToLedgerEnum<ledger::AccountKind>(-1)).ok());
  EXPECT_FALSE(
      ledger::CheckAccountStatus(ToLedgerEnum<ledger::AccountStatus>(-1)).ok());
  EXPECT_FALSE(ledger::CheckRole(ToLedgerEnum<ledger::Role>(-1)).ok());
}

TEST(ToInput, UnspecifiedAccountKindIsAPerson) {
  v1::OpenAccountRequest request;
  EXPECT_EQ(ToInput(request).kind, ledger::AccountKind::kPerson);
  request.set_kind(static_cast<v1::AccountKind>(257));
  EXPECT_FALSE(ledger::CheckAccountKind(ToInput(request).kind).ok());
}

}  // namespace
}  // namespace timebank::services
