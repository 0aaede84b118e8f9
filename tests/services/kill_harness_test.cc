// End-to-end crash harness: writers drive a real timebankd over gRPC (unary
// RecordExchange and bulk RecordExchanges) while the test SIGKILLs it at a
// random moment of each round, then restarts it on the same data directory
// and checks, against every reply the writers got:
//  - every acknowledged exchange is in the journal at its original seq, and
//    retrying it (same request_id, same content) returns that seq;
//  - the journal (read with WatchJournal from seq 1) is gapless, holds only
//    requests a writer sent, and no request_id twice;
//  - balances sum to zero at the journal head, and VerifyJournal passes;
//  - requests in flight at the kill (sent, never answered) are recorded
//    exactly once when retried: a retry returns the seq the server kept, or
//    records it anew, and a second retry returns the same seq.
//
// Rounds: TIMEBANK_KILL_ROUNDS (default 30) and/or TIMEBANK_KILL_SECONDS (run
// rounds until this much time has passed). The CTest entry
// kill_harness_long runs this test for 600 s (label "long").

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "tests/services/rpc_client.h"
#include "tests/services/server_process.h"
#include "tests/test_util/status_assertions.h"
#include "tests/test_util/temp_dir.h"

namespace timebank::testing {
namespace {

constexpr uint32_t kSeed = 5151;
constexpr char kTb[] = "killing-fields";
constexpr int kAccounts = 8;
constexpr int kWriters = 4;
constexpr int kBulkItems = 8;  // Writer 0 records in bulk, this many a call.
constexpr int kDefaultRounds = 30;
constexpr int kKillAfterMsMin = 50;
constexpr int kKillAfterMsMax = 400;
constexpr size_t kRetryChunk = 1000;  // Items per bulk retry.
constexpr size_t kUnaryRetriesPerRound = 16;

struct KillSettings {
  int rounds_max = kDefaultRounds;
  std::chrono::seconds duration{0};  // 0: no time limit.

  bool More(int round, std::chrono::steady_clock::duration elapsed) const {
    return round < rounds_max && (duration.count() == 0 || elapsed < duration);
  }
};

// A positive integer from the environment, or nullopt if unset or bad.
std::optional<int> PositiveFromEnv(const char* name) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0') return std::nullopt;
  char* end = nullptr;
  const long value = std::strtol(text, &end, 10);
  if (*end != '\0' || value <= 0 || value > INT_MAX) {
    ADD_FAILURE() << name << "=" << text << " is not a positive integer";
    return std::nullopt;
  }
  return static_cast<int>(value);
}

KillSettings SettingsFromEnv() {
  KillSettings settings;
  const std::optional<int> rounds = PositiveFromEnv("TIMEBANK_KILL_ROUNDS");
  const std::optional<int> seconds = PositiveFromEnv("TIMEBANK_KILL_SECONDS");
  if (seconds) {
    settings.duration = std::chrono::seconds(*seconds);
    settings.rounds_max = rounds.value_or(INT_MAX);
  } else if (rounds) {
    settings.rounds_max = *rounds;
  }
  return settings;
}

std::string AccountName(int index) { return "m" + std::to_string(index); }

// One exchange a writer sent, and the seq a reply acknowledged (0: none).
struct Sent {
  v1::RecordExchangeRequest request;
  bool bulk = false;
  uint64_t acked_seq = 0;
  int round = 0;
};
using SentLog = std::map<std::string, Sent>;  // By request_id.

struct Figures {
  size_t acknowledged = 0;
  size_t in_flight = 0;
  size_t in_flight_durable = 0;  // Unanswered, yet the server had kept it.
  size_t in_flight_lost = 0;     // Unanswered and not kept; recorded on retry.
};

// Shared by a round's writers.
struct Round {
  int number = 0;
  std::atomic<bool> killed{false};
  std::mutex mu;
  SentLog* sent = nullptr;
  // Calls that failed before the kill.
  std::vector<std::string> early_failures;
};

// Records until a call fails; a failure before the kill is the test's.
void RunWriter(const Client& client, int writer, uint32_t seed, Round& round) {
  std::mt19937 random(seed);
  const int items = writer == 0 ? kBulkItems : 1;
  for (int n = 0; n < 1'000'000;) {  // Bounded; the kill ends it sooner.
    std::vector<v1::RecordExchangeRequest> requests;
    for (int i = 0; i < items; ++i, ++n) {
      const int giver = static_cast<int>(random() % kAccounts);
      const int receiver =
          (giver + 1 + static_cast<int>(random() % (kAccounts - 1))) %
          kAccounts;
      requests.push_back(
          ExchangeRequest(kTb,
                          "k" + std::to_string(round.number) + "-" +
                              std::to_string(writer) + "-" + std::to_string(n),
                          AccountName(giver), AccountName(receiver),
                          1 + static_cast<int64_t>(random() % 120)));
    }
    {
      std::lock_guard lock(round.mu);
      for (const v1::RecordExchangeRequest& request : requests) {
        (*round.sent)[request.request_id()] =
            Sent{.request = request, .bulk = items > 1, .round = round.number};
      }
    }
    grpc::Status status;
    std::vector<uint64_t> seqs;
    if (items == 1) {
      Rpc<v1::Exchange> reply = client.RecordExchange(requests[0]);
      status = reply.status;
      if (status.ok()) seqs.push_back(reply->seq());
    } else {
      v1::RecordExchangesRequest bulk;
      bulk.set_timebank_id(kTb);
      for (const auto& request : requests) {
        *bulk.add_items() = ExchangeItem(request);
      }
      Rpc<v1::RecordExchangesResponse> reply =
          client.Call(&v1::Ledger::Stub::RecordExchanges, bulk);
      status = reply.status;
      for (const v1::RecordExchangeResult& result : reply->results()) {
        if (!result.has_exchange()) {
          status = grpc::Status(grpc::StatusCode::INTERNAL,
                                "item " + result.request_id() +
                                    " refused: " + result.error().message());
          break;
        }
        seqs.push_back(result.exchange().seq());
      }
    }
    std::lock_guard lock(round.mu);
    if (!status.ok() || seqs.size() != requests.size()) {
      if (!round.killed.load()) {
        round.early_failures.push_back(requests[0].request_id() + ": " +
                                       Describe(status));
      }
      return;
    }
    for (size_t i = 0; i < requests.size(); ++i) {
      (*round.sent)[requests[i].request_id()].acked_seq = seqs[i];
    }
  }
}

::testing::AssertionResult IsEntryOf(const v1::JournalEntry& entry,
                                     const v1::RecordExchangeRequest& sent) {
  if (entry.kind() != v1::ENTRY_KIND_RECORD ||
      entry.request_id() != sent.request_id() ||
      entry.giver_id() != sent.giver_id() ||
      entry.receiver_id() != sent.receiver_id() ||
      entry.minutes() != sent.minutes() ||
      entry.category() != sent.category() ||
      entry.occurred_on() != sent.occurred_on()) {
    return ::testing::AssertionFailure()
           << "seq " << entry.seq() << " is " << entry.ShortDebugString()
           << "; sent " << sent.ShortDebugString();
  }
  return ::testing::AssertionSuccess();
}

// Retries `requests` in bulk calls of kRetryChunk; the seqs, in order.
std::vector<uint64_t> RetryInBulk(
    const Client& admin,
    const std::vector<v1::RecordExchangeRequest>& requests) {
  std::vector<uint64_t> seqs;
  for (size_t start = 0; start < requests.size(); start += kRetryChunk) {
    v1::RecordExchangesRequest bulk;
    bulk.set_timebank_id(kTb);
    for (size_t i = start; i < std::min(requests.size(), start + kRetryChunk);
         ++i) {
      *bulk.add_items() = ExchangeItem(requests[i]);
    }
    const v1::RecordExchangesResponse reply =
        Must(admin.Call(&v1::Ledger::Stub::RecordExchanges, bulk), "retry");
    for (const v1::RecordExchangeResult& result : reply.results()) {
      if (!result.has_exchange()) {
        throw std::runtime_error("retry of " + result.request_id() +
                                 " refused: " + result.error().message());
      }
      seqs.push_back(result.exchange().seq());
    }
  }
  return seqs;
}

// The whole journal through WatchJournal, checked for holes and duplicates
// and against what was sent: `durable_unacked` counts entries no reply
// acknowledged.
void CheckJournal(const Client& admin, const SentLog& sent, uint64_t* last_seq,
                  size_t* durable_unacked) {
  const v1::Timebank timebank = Must(admin.GetTimebank(kTb), "get timebank");
  *last_seq = timebank.last_seq();
  std::vector<v1::JournalEntry> journal;
  if (*last_seq > 0) {
    Rpc<std::vector<v1::JournalEntry>> read =
        admin.ReadJournal(kTb, 1, *last_seq, std::chrono::seconds(60));
    ASSERT_RPC_OK(read);
    journal = read.reply;
  }
  ASSERT_EQ(journal.size(), *last_seq);
  std::set<std::string> request_ids;
  *durable_unacked = 0;
  for (size_t i = 0; i < journal.size(); ++i) {
    const v1::JournalEntry& entry = journal[i];
    ASSERT_EQ(entry.seq(), i + 1) << "the journal has a hole";
    ASSERT_TRUE(request_ids.insert(entry.request_id()).second)
        << entry.request_id() << " is in the journal twice";
    auto it = sent.find(entry.request_id());
    ASSERT_NE(it, sent.end()) << "seq " << entry.seq() << " holds "
                              << entry.request_id() << ", which no writer sent";
    ASSERT_TRUE(IsEntryOf(entry, it->second.request));
    if (it->second.acked_seq == 0) {
      ++*durable_unacked;
    } else {
      ASSERT_EQ(entry.seq(), it->second.acked_seq)
          << entry.request_id() << " moved";
    }
  }
  for (const auto& [request_id, one] : sent) {
    if (one.acked_seq == 0) continue;
    ASSERT_LE(one.acked_seq, journal.size())
        << "acknowledged " << request_id << " (seq " << one.acked_seq
        << ") is lost";
    ASSERT_TRUE(IsEntryOf(journal[one.acked_seq - 1], one.request));
  }
}

void CheckBalancesAndChain(const Client& admin, uint64_t last_seq) {
  const v1::SnapshotBalancesResponse snapshot =
      Must(admin.SnapshotBalances(kTb), "snapshot");
  int64_t sum = 0;
  for (const v1::AccountBalance& balance : snapshot.balances()) {
    sum += balance.balance_minutes();
  }
  EXPECT_EQ(sum, 0);
  EXPECT_EQ(snapshot.as_of_seq(), last_seq);
  Rpc<v1::VerifyJournalResponse> verified = admin.VerifyJournal(kTb);
  ASSERT_RPC_OK(verified);
  EXPECT_TRUE(verified->ok()) << verified->problem();
  EXPECT_EQ(verified->entries_checked(), last_seq);
}

// After a restart: checks the books, retries what this round acknowledged
// (nothing may move), then retries what was in flight, twice.
void CheckAfterRestart(const Client& admin, int round, SentLog& sent,
                       Figures& figures, std::mt19937& random) {
  SCOPED_TRACE("after kill " + std::to_string(round + 1));
  uint64_t last_seq = 0;
  size_t durable_unacked = 0;
  CheckJournal(admin, sent, &last_seq, &durable_unacked);
  if (::testing::Test::HasFatalFailure()) return;
  CheckBalancesAndChain(admin, last_seq);
  if (::testing::Test::HasFatalFailure()) return;

  std::vector<v1::RecordExchangeRequest> acked;
  std::vector<uint64_t> acked_seqs;
  std::vector<v1::RecordExchangeRequest> unacked;
  for (const auto& [request_id, one] : sent) {
    if (one.acked_seq == 0) {
      unacked.push_back(one.request);
    } else if (one.round == round) {
      acked.push_back(one.request);
      acked_seqs.push_back(one.acked_seq);
    }
  }
  figures.acknowledged += acked.size();
  figures.in_flight += unacked.size();
  figures.in_flight_durable += durable_unacked;

  // Acknowledged: the retry finds the original, in bulk and one by one.
  const std::vector<uint64_t> again = RetryInBulk(admin, acked);
  ASSERT_EQ(again, acked_seqs) << "a bulk retry moved an acknowledged seq";
  for (size_t n = 0; n < kUnaryRetriesPerRound && !acked.empty(); ++n) {
    const size_t i = random() % acked.size();
    Rpc<v1::Exchange> retried = admin.RecordExchange(acked[i]);
    ASSERT_RPC_OK(retried);
    ASSERT_EQ(retried->seq(), acked_seqs[i]) << acked[i].request_id();
    Rpc<v1::Exchange> got = admin.GetExchange(kTb, acked_seqs[i]);
    ASSERT_RPC_OK(got);
    EXPECT_EQ(got->SerializeAsString(), retried->SerializeAsString());
  }
  ASSERT_EQ(Must(admin.GetTimebank(kTb), "get").last_seq(), last_seq)
      << "retrying acknowledged requests wrote something";

  // In flight: the first retry (unary or bulk, as sent) records each at most
  // once; the second changes nothing.
  std::vector<uint64_t> first;
  std::vector<v1::RecordExchangeRequest> bulk_unacked;
  for (const v1::RecordExchangeRequest& request : unacked) {
    if (sent[request.request_id()].bulk) {
      bulk_unacked.push_back(request);
      continue;
    }
    Rpc<v1::Exchange> retried = admin.RecordExchange(request);
    ASSERT_RPC_OK(retried) << request.request_id();
    sent[request.request_id()].acked_seq = retried->seq();
  }
  const std::vector<uint64_t> bulk_seqs = RetryInBulk(admin, bulk_unacked);
  ASSERT_EQ(bulk_seqs.size(), bulk_unacked.size());
  for (size_t i = 0; i < bulk_unacked.size(); ++i) {
    sent[bulk_unacked[i].request_id()].acked_seq = bulk_seqs[i];
  }
  const uint64_t after_first = Must(admin.GetTimebank(kTb), "get").last_seq();
  figures.in_flight_lost += after_first - last_seq;
  std::vector<uint64_t> expected;
  for (const auto& request : unacked) {
    expected.push_back(sent[request.request_id()].acked_seq);
  }
  ASSERT_EQ(RetryInBulk(admin, unacked), expected)
      << "a second retry moved a seq";
  // Every request ever sent is in the journal once.
  ASSERT_EQ(Must(admin.GetTimebank(kTb), "get").last_seq(), sent.size());
}

TEST(KillHarness, AcknowledgedExchangesSurviveSigkillAtRandomMoments) {
  const KillSettings settings = SettingsFromEnv();
  std::printf("KillHarness seed %u, at most %d rounds, time limit %llds\n",
              kSeed, settings.rounds_max,
              static_cast<long long>(settings.duration.count()));
  std::mt19937 random(kSeed);
  TempDir dir;
  const ServerProcessOptions options{.data_dir = dir.Join("data")};
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ServerProcess> server,
                       ServerProcess::Start(options));
  {
    const Client admin(server->NewChannel(), server->admin_token());
    ASSERT_RPC_OK(admin.CreateTimebank(kTb));
    for (int i = 0; i < kAccounts; ++i) {
      ASSERT_RPC_OK(admin.OpenAccount(kTb, AccountName(i)));
    }
  }

  SentLog sent;
  Figures figures;
  int kills = 0;
  int rounds_with_acks = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int r = 0; settings.More(r, std::chrono::steady_clock::now() - start);
       ++r) {
    const auto delay = std::chrono::milliseconds(
        kKillAfterMsMin + random() % (kKillAfterMsMax - kKillAfterMsMin + 1));
    Round round;
    round.number = r;
    round.sent = &sent;
    {
      const Client client(server->NewChannel(), server->admin_token());
      std::vector<std::thread> writers;
      for (int w = 0; w < kWriters; ++w) {
        writers.emplace_back(RunWriter, std::cref(client), w,
                             static_cast<uint32_t>(random()), std::ref(round));
      }
      std::this_thread::sleep_for(delay);
      round.killed = true;
      server->Kill();
      ++kills;
      for (std::thread& writer : writers) writer.join();
    }
    for (const std::string& failure : round.early_failures) {
      ADD_FAILURE() << "round " << r << ": before the kill, " << failure;
    }
    ASSERT_TRUE(round.early_failures.empty()) << server->ReadLog();

    ASSERT_OK_AND_ASSIGN(server, ServerProcess::Start(options));
    const Client admin(server->NewChannel(), server->admin_token());
    const Figures before = figures;
    try {
      CheckAfterRestart(admin, r, sent, figures, random);
    } catch (const std::exception& e) {
      FAIL() << "round " << r << ": " << e.what();
    }
    ASSERT_FALSE(::testing::Test::HasFatalFailure());
    const size_t acked = figures.acknowledged - before.acknowledged;
    if (acked > 0) ++rounds_with_acks;
    std::printf(
        "KillHarness kill %d after %lld ms: %zu acknowledged, %zu in flight "
        "(%zu durable, %zu recorded on retry), journal at %zu\n",
        kills, static_cast<long long>(delay.count()), acked,
        figures.in_flight - before.in_flight,
        figures.in_flight_durable - before.in_flight_durable,
        figures.in_flight_lost - before.in_flight_lost, sent.size());
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  std::printf(
      "KillHarness: %d kills survived in %.1f s, %zu exchanges acknowledged, "
      "none lost; %zu in flight at a kill (%zu of them kept by the server), "
      "each recorded exactly once on retry\n",
      kills, seconds, figures.acknowledged, figures.in_flight,
      figures.in_flight_durable);
  if (settings.duration.count() == 0) {
    EXPECT_EQ(kills, settings.rounds_max);
  }
  // Most rounds must have had something to lose.
  EXPECT_GE(rounds_with_acks, kills / 2);
  {
    // The last round's retries, read back: every request once, all answered.
    const Client admin(server->NewChannel(), server->admin_token());
    uint64_t last_seq = 0;
    size_t durable_unacked = 0;
    try {
      CheckJournal(admin, sent, &last_seq, &durable_unacked);
    } catch (const std::exception& e) {
      FAIL() << "final check: " << e.what();
    }
    EXPECT_EQ(last_seq, sent.size());
    EXPECT_EQ(durable_unacked, 0u);
  }
  EXPECT_EQ(server->Stop(), 0) << server->ReadLog();
}

}  // namespace
}  // namespace timebank::testing
