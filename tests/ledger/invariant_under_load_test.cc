// The bank invariant under load: while writers record and reverse at random
// against a balance floor (so many requests are refused), every balance
// snapshot a reader takes sums to exactly zero and shows no PERSON account
// below the floor. A snapshot is read at one journal position, so a reader
// must never see half of a commit.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "ledger/ledger.h"
#include "tests/ledger/ledger_fixture.h"
#include "tests/test_util/status_assertions.h"
#include "tests/test_util/temp_dir.h"

namespace timebank::ledger_test {
namespace {

using ledger::BalanceSnapshot;
using ledger::Exchange;
using ledger::Seq;
using timebank::testing::TempDir;

constexpr uint32_t kSeed = 777;
constexpr char kTb[] = "invariant";
constexpr int64_t kFloorMinutes = -120;
constexpr int kMembers = 6;
constexpr int kWriters = 4;
constexpr int kReaders = 2;
constexpr size_t kBulkItems = 4;  // Writer 0 records in bulk.
constexpr auto kDuration = std::chrono::seconds(3);
constexpr int kCallsPerWriterMax = 200'000;  // Bounds the loops on a fast box.
constexpr char kPot[] = "pot";               // COMMUNITY_POT: no floor applies.

std::string MemberId(int index) { return "member-" + std::to_string(index); }

// Outcomes the writers saw, by kind.
struct WriteCounts {
  std::atomic<int64_t> recorded{0};
  std::atomic<int64_t> reversed{0};
  std::atomic<int64_t> refused{0};  // kFailedPrecondition: floor or status.
};

// Anything but OK and a rule's refusal is a failure of the test.
void Count(const absl::Status& status, std::atomic<int64_t>& ok_count,
           WriteCounts& counts) {
  if (status.ok()) {
    ++ok_count;
  } else if (status.code() == absl::StatusCode::kFailedPrecondition) {
    ++counts.refused;
  } else {
    ADD_FAILURE() << "unexpected: " << status;
  }
}

void RunWriter(Ledger& ledger, int writer, uint32_t seed,
               std::chrono::steady_clock::time_point deadline,
               WriteCounts& counts) {
  std::mt19937 random(seed);
  const int accounts = kMembers + 1;  // The last is the pot.
  auto account = [&](int index) {
    return index == kMembers ? std::string(kPot) : MemberId(index);
  };
  for (int n = 0;
       n < kCallsPerWriterMax && std::chrono::steady_clock::now() < deadline;) {
    // Writer 3 spends a quarter of its calls reversing a random entry.
    if (writer == 3 && random() % 4 == 0) {
      absl::StatusOr<Timebank> timebank = ledger.GetTimebank(kTb);
      if (!timebank.ok() || timebank->last_seq == 0) continue;
      const Seq seq = 1 + random() % timebank->last_seq;
      Count(ledger
                .ReverseExchange(kTb, Coordinator(), seq,
                                 "rev-" + std::to_string(n++), "load test")
                .status(),
            counts.reversed, counts);
      continue;
    }
    std::vector<RecordExchangeInput> inputs;
    const size_t items = writer == 0 ? kBulkItems : 1;
    for (size_t i = 0; i < items; ++i) {
      const int giver = static_cast<int>(random() % accounts);
      const int receiver =
          (giver + 1 + static_cast<int>(random() % (accounts - 1))) % accounts;
      inputs.push_back(
          Gave("w" + std::to_string(writer) + "-" + std::to_string(n++),
               account(giver), account(receiver),
               1 + static_cast<int64_t>(random() % 90)));
    }
    if (items == 1) {
      Count(ledger.RecordExchange(kTb, Coordinator(), inputs[0]).status(),
            counts.recorded, counts);
      continue;
    }
    absl::StatusOr<std::vector<absl::StatusOr<Exchange>>> results =
        ledger.RecordExchanges(kTb, Coordinator(), inputs);
    if (!results.ok()) {
      ADD_FAILURE() << "bulk: " << results.status();
      return;
    }
    for (const absl::StatusOr<Exchange>& result : *results) {
      Count(result.status(), counts.recorded, counts);
    }
  }
}

// Checks one snapshot; returns false (after reporting) if it breaks the
// invariant.
bool CheckSnapshot(const BalanceSnapshot& snapshot, Seq previous_seq) {
  int64_t sum = 0;
  std::set<std::string> seen;
  for (const auto& [id, balance] : snapshot.balances_minutes) {
    sum += balance;
    seen.insert(id);
    if (id != kPot && balance < kFloorMinutes) {
      ADD_FAILURE() << "at seq " << snapshot.as_of_seq << " " << id << " is at "
                    << balance << " min, below the floor of " << kFloorMinutes;
      return false;
    }
  }
  if (sum != 0) {
    ADD_FAILURE() << "at seq " << snapshot.as_of_seq << " balances sum to "
                  << sum;
    return false;
  }
  if (seen.size() != static_cast<size_t>(kMembers) + 1) {
    ADD_FAILURE() << "at seq " << snapshot.as_of_seq << " the snapshot has "
                  << seen.size() << " accounts";
    return false;
  }
  if (snapshot.as_of_seq < previous_seq) {
    ADD_FAILURE() << "snapshot went back from seq " << previous_seq << " to "
                  << snapshot.as_of_seq;
    return false;
  }
  return true;
}

TEST(LedgerInvariant, SnapshotsSumToZeroAndHoldTheFloorUnderLoad) {
  std::printf("LedgerInvariant seed: %u\n", kSeed);
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Ledger> ledger,
                       Ledger::Open(TestOptions(dir.Join("ledger"))));
  ASSERT_OK(ledger->CreateTimebank(kTb, "Invariant",
                                   {.balance_floor_minutes = kFloorMinutes}));
  for (int i = 0; i < kMembers; ++i) {
    ASSERT_OK(ledger->OpenAccount(
        kTb, {.account_id = MemberId(i), .display_name = MemberId(i)}));
  }
  ASSERT_OK(
      ledger->OpenAccount(kTb, {.account_id = kPot,
                                .kind = ledger::AccountKind::kCommunityPot,
                                .display_name = "Pot"}));

  const auto deadline = std::chrono::steady_clock::now() + kDuration;
  std::atomic<bool> writing{true};
  WriteCounts counts;
  std::atomic<int64_t> snapshots{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < kReaders; ++r) {
    readers.emplace_back([&] {
      Seq previous_seq = 0;
      // At least one snapshot after the writers stop, so the last state is
      // checked too.
      for (bool last = false; !last;) {
        last = !writing.load();
        absl::StatusOr<BalanceSnapshot> snapshot =
            ledger->SnapshotBalances(kTb);
        if (!snapshot.ok()) {
          ADD_FAILURE() << "snapshot: " << snapshot.status();
          return;
        }
        if (!CheckSnapshot(*snapshot, previous_seq)) return;
        previous_seq = snapshot->as_of_seq;
        ++snapshots;
        std::this_thread::yield();  // Two cores: leave the writers some.
      }
    });
  }
  std::mt19937 random(kSeed);
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back(RunWriter, std::ref(*ledger), w,
                         static_cast<uint32_t>(random()), deadline,
                         std::ref(counts));
  }
  for (std::thread& writer : writers) writer.join();
  writing = false;
  for (std::thread& reader : readers) reader.join();

  ASSERT_OK_AND_ASSIGN(Timebank timebank, ledger->GetTimebank(kTb));
  std::printf(
      "LedgerInvariant: %lld recorded, %lld reversed, %lld refused, journal "
      "at %llu, %lld snapshots checked\n",
      static_cast<long long>(counts.recorded.load()),
      static_cast<long long>(counts.reversed.load()),
      static_cast<long long>(counts.refused.load()),
      static_cast<unsigned long long>(timebank.last_seq),
      static_cast<long long>(snapshots.load()));
  EXPECT_EQ(timebank.last_seq,
            static_cast<Seq>(counts.recorded + counts.reversed));
  // The floor must have been in play, or the test shows nothing.
  EXPECT_GT(counts.recorded.load(), 100);
  EXPECT_GT(counts.refused.load(), 0);
  EXPECT_GT(counts.reversed.load(), 0);
  EXPECT_GT(snapshots.load(), 2 * kReaders);

  for (int i = 0; i < kMembers; ++i) {
    ASSERT_OK_AND_ASSIGN(ledger::AccountTotals totals,
                         ledger->GetBalance(kTb, MemberId(i)));
    EXPECT_GE(totals.balance_minutes(), kFloorMinutes) << MemberId(i);
  }
  ASSERT_OK_AND_ASSIGN(ledger::VerifyReport report, ledger->Verify(kTb));
  EXPECT_TRUE(report.ok) << report.problem;
  EXPECT_EQ(report.entries_checked, timebank.last_seq);
  ledger->Close();
}

}  // namespace
}  // namespace timebank::ledger_test
