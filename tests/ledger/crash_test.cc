// Kills a writing process at random moments and checks that nothing it was
// told is durable went missing, and that the books it left are whole.
//
// Each round forks a child (without exec) that opens the ledger and records
// exchanges from several threads; after each OK it writes an acknowledgement
// to a pipe. The parent SIGKILLs the child after a random delay, then opens
// the same directory itself and checks every acknowledgement against the
// journal. The parent never has a Ledger open while it forks, and the child
// uses no gtest assertions and leaves through _exit.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "ledger/ledger.h"
#include "tests/ledger/ledger_fixture.h"
#include "tests/test_util/status_assertions.h"
#include "tests/test_util/temp_dir.h"

namespace timebank::ledger_test {
namespace {

using ledger::Exchange;
using ledger::Seq;
using timebank::testing::TempDir;

constexpr uint32_t kSeed = 424242;
constexpr int kRounds = 24;
constexpr int kAccounts = 10;
constexpr int kWriterThreads = 4;
constexpr int kBulkItems = 6;  // Thread 0 records in bulk, this many a call.
constexpr char kTb[] = "crash";

// One acknowledged record, as the child reports it. Everything else about the
// request follows from these fields (see InputOf).
struct Ack {
  uint64_t seq;  // 0 reports a failed call; `minutes` then holds the code.
  uint32_t round;
  uint32_t thread;
  uint32_t n;
  uint32_t giver;
  uint32_t receiver;
  int32_t minutes;
};
static_assert(sizeof(Ack) <= PIPE_BUF, "acks must be written atomically");

std::string AccountName(uint32_t index) { return "m" + std::to_string(index); }

RecordExchangeInput InputOf(const Ack& ack) {
  return Gave("c" + std::to_string(ack.round) + "-" +
                  std::to_string(ack.thread) + "-" + std::to_string(ack.n),
              AccountName(ack.giver), AccountName(ack.receiver), ack.minutes);
}

bool WriteAck(int fd, const Ack& ack) {
  return write(fd, &ack, sizeof ack) == static_cast<ssize_t>(sizeof ack);
}

// The child's whole life: record until killed. Uses no gtest and never
// returns.
[[noreturn]] void RunChild(const std::string& data_dir, uint32_t round,
                           int ack_fd, uint32_t seed) {
  absl::StatusOr<std::unique_ptr<Ledger>> opened =
      Ledger::Open(TestOptions(data_dir));
  if (!opened.ok()) {
    WriteAck(ack_fd,
             Ack{.seq = 0,
                 .round = round,
                 .minutes = static_cast<int32_t>(opened.status().code())});
    _exit(2);
  }
  Ledger& ledger = **opened;
  std::vector<std::thread> threads;
  for (uint32_t t = 0; t < kWriterThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 random(seed * 31 + t);
      // Bounded so an orphaned child cannot run for ever.
      for (uint32_t n = 0; n < 200'000;) {
        std::vector<Ack> acks;
        const uint32_t items = t == 0 ? kBulkItems : 1;
        for (uint32_t i = 0; i < items; ++i, ++n) {
          const uint32_t giver = random() % kAccounts;
          const uint32_t receiver =
              (giver + 1 + random() % (kAccounts - 1)) % kAccounts;
          acks.push_back(
              Ack{.round = round,
                  .thread = t,
                  .n = n,
                  .giver = giver,
                  .receiver = receiver,
                  .minutes = static_cast<int32_t>(1 + random() % 120)});
        }
        std::vector<RecordExchangeInput> inputs;
        for (const Ack& ack : acks) inputs.push_back(InputOf(ack));
        std::vector<absl::StatusOr<Exchange>> results;
        if (items == 1) {
          results.push_back(
              ledger.RecordExchange(kTb, Coordinator(), inputs[0]));
        } else {
          absl::StatusOr<std::vector<absl::StatusOr<Exchange>>> bulk =
              ledger.RecordExchanges(kTb, Coordinator(), inputs);
          if (bulk.ok()) {
            results = *std::move(bulk);
          } else {
            results.assign(items, bulk.status());
          }
        }
        for (size_t i = 0; i < acks.size(); ++i) {
          if (!results[i].ok()) {
            WriteAck(ack_fd, Ack{.seq = 0,
                                 .round = round,
                                 .thread = t,
                                 .n = acks[i].n,
                                 .minutes = static_cast<int32_t>(
                                     results[i].status().code())});
            _exit(3);
          }
          acks[i].seq = results[i]->record.seq;
          if (!WriteAck(ack_fd, acks[i])) _exit(4);
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  _exit(0);
}

// Reads whole acks from `fd` until `deadline`, or until end of file when
// `deadline` is null. Returns false at end of file.
bool ReadAcks(int fd, std::string& buffer, std::vector<Ack>& acks,
              const std::chrono::steady_clock::time_point* deadline) {
  for (;;) {
    int timeout_ms = -1;
    if (deadline != nullptr) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          *deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return true;
      timeout_ms = static_cast<int>(left.count());
    }
    pollfd p{.fd = fd, .events = POLLIN, .revents = 0};
    const int ready = poll(&p, 1, timeout_ms);
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) return true;  // Deadline.
    char chunk[4096];
    const ssize_t got = read(fd, chunk, sizeof chunk);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    buffer.append(chunk, static_cast<size_t>(got));
    size_t whole = buffer.size() / sizeof(Ack);
    for (size_t i = 0; i < whole; ++i) {
      Ack ack;
      std::memcpy(&ack, buffer.data() + i * sizeof(Ack), sizeof(Ack));
      acks.push_back(ack);
    }
    buffer.erase(0, whole * sizeof(Ack));
  }
}

// Runs one child for `delay` and returns what it acknowledged before it died.
std::vector<Ack> RunAndKillChild(const std::string& data_dir, uint32_t round,
                                 std::chrono::milliseconds delay,
                                 uint32_t child_seed, int* wait_status) {
  int fds[2];
  if (pipe(fds) != 0) {
    ADD_FAILURE() << "pipe: " << std::strerror(errno);
    return {};
  }
  std::fflush(nullptr);  // Nothing buffered may be written twice.
  const pid_t pid = fork();
  if (pid < 0) {
    ADD_FAILURE() << "fork: " << std::strerror(errno);
    return {};
  }
  if (pid == 0) {
    close(fds[0]);
    RunChild(data_dir, round, fds[1], child_seed);
  }
  close(fds[1]);
  std::vector<Ack> acks;
  std::string buffer;
  const auto deadline = std::chrono::steady_clock::now() + delay;
  const bool open = ReadAcks(fds[0], buffer, acks, &deadline);
  kill(pid, SIGKILL);
  // Acks already in the pipe were sent after an OK reply: they count.
  if (open) ReadAcks(fds[0], buffer, acks, nullptr);
  close(fds[0]);
  waitpid(pid, wait_status, 0);
  EXPECT_TRUE(buffer.empty()) << "a torn ack of " << buffer.size() << " bytes";
  return acks;
}

TEST(LedgerCrash, AcknowledgedRecordsSurviveKillAtRandomMoments) {
  std::printf("LedgerCrash seed: %u\n", kSeed);
  std::mt19937 random(kSeed);
  TempDir dir;
  const std::string data_dir = dir.Join("ledger");
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Ledger> ledger,
                         Ledger::Open(TestOptions(data_dir)));
    ASSERT_OK(ledger->CreateTimebank(kTb, "Crash", {}));
    for (uint32_t i = 0; i < kAccounts; ++i) {
      ASSERT_OK(ledger->OpenAccount(
          kTb, {.account_id = AccountName(i),
                .display_name = "Member " + std::to_string(i)}));
    }
    ledger->Close();
  }

  std::map<Seq, Ack> acknowledged;  // Across all rounds: the data grows.
  size_t rounds_with_acks = 0;
  for (uint32_t round = 0; round < kRounds; ++round) {
    const auto delay = std::chrono::milliseconds(20 + random() % 281);
    int wait_status = 0;
    const std::vector<Ack> acks =
        RunAndKillChild(data_dir, round, delay, random(), &wait_status);
    ASSERT_FALSE(::testing::Test::HasFailure());
    for (const Ack& ack : acks) {
      ASSERT_NE(ack.seq, 0u)
          << "round " << round << ": the child's call failed with code "
          << ack.minutes;
    }
    ASSERT_TRUE(WIFSIGNALED(wait_status) && WTERMSIG(wait_status) == SIGKILL)
        << "round " << round << ": the child ended by itself, status "
        << wait_status;
    if (!acks.empty()) ++rounds_with_acks;

    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Ledger> ledger,
                         Ledger::Open(TestOptions(data_dir)));
    ASSERT_OK_AND_ASSIGN(Timebank timebank, ledger->GetTimebank(kTb));

    // The journal is gapless and holds every acknowledged record as it was
    // acknowledged, this round's and every earlier round's.
    ASSERT_OK_AND_ASSIGN(std::vector<JournalEntry> journal,
                         WholeJournal(*ledger, kTb));
    ASSERT_EQ(journal.size(), timebank.last_seq) << "round " << round;
    for (size_t i = 0; i < journal.size(); ++i) {
      ASSERT_EQ(journal[i].seq, i + 1) << "round " << round;
    }
    for (const Ack& ack : acks) {
      ASSERT_TRUE(acknowledged.emplace(ack.seq, ack).second)
          << "round " << round << ": seq " << ack.seq << " acknowledged twice";
    }
    for (const auto& [seq, ack] : acknowledged) {
      ASSERT_LE(seq, journal.size())
          << "round " << round << ": acknowledged seq lost";
      const JournalEntry& entry = journal[seq - 1];
      const RecordExchangeInput input = InputOf(ack);
      ASSERT_EQ(entry.request_id, input.request_id)
          << "round " << round << " seq " << seq;
      ASSERT_EQ(entry.giver_id, input.giver_id) << "seq " << seq;
      ASSERT_EQ(entry.receiver_id, input.receiver_id) << "seq " << seq;
      ASSERT_EQ(entry.minutes, input.minutes) << "seq " << seq;
    }

    // Retrying this round's requests finds each at its acknowledged seq and
    // writes nothing.
    std::vector<RecordExchangeInput> retries;
    for (const Ack& ack : acks) retries.push_back(InputOf(ack));
    for (size_t start = 0; start < retries.size(); start += 5000) {
      const std::vector<RecordExchangeInput> chunk(
          retries.begin() + static_cast<std::ptrdiff_t>(start),
          retries.begin() + static_cast<std::ptrdiff_t>(
                                std::min(retries.size(), start + 5000)));
      ASSERT_OK_AND_ASSIGN(auto results,
                           ledger->RecordExchanges(kTb, Coordinator(), chunk));
      for (size_t i = 0; i < chunk.size(); ++i) {
        ASSERT_OK(results[i]) << chunk[i].request_id;
        ASSERT_EQ(results[i]->record.seq, acks[start + i].seq)
            << chunk[i].request_id;
      }
    }
    ASSERT_OK_AND_ASSIGN(Timebank after_retries, ledger->GetTimebank(kTb));
    ASSERT_EQ(after_retries.last_seq, timebank.last_seq);

    ASSERT_OK_AND_ASSIGN(ledger::VerifyReport report, ledger->Verify(kTb));
    ASSERT_TRUE(report.ok) << "round " << round << ": " << report.problem;
    ASSERT_EQ(report.entries_checked, timebank.last_seq);
    ASSERT_OK_AND_ASSIGN(ledger::BalanceSnapshot snapshot,
                         ledger->SnapshotBalances(kTb));
    int64_t sum = 0;
    for (const auto& [id, balance] : snapshot.balances_minutes) sum += balance;
    ASSERT_EQ(sum, 0) << "round " << round;
    ASSERT_EQ(snapshot.as_of_seq, timebank.last_seq);

    std::printf(
        "LedgerCrash round %u: killed after %lld ms, %zu acks, journal at "
        "%llu\n",
        round, static_cast<long long>(delay.count()), acks.size(),
        static_cast<unsigned long long>(timebank.last_seq));
    ledger->Close();
  }
  // Most rounds live long enough to record something; a kill during Open is
  // part of the test, so not all must.
  EXPECT_GE(rounds_with_acks, static_cast<size_t>(kRounds / 2));
  EXPECT_GT(acknowledged.size(), 0u);
}

}  // namespace
}  // namespace timebank::ledger_test
