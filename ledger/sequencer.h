// The Sequencer runs the writers. Each timebank is served by exactly one
// writer thread (chosen by hashing its id), so its journal has one author and
// its sequence numbers need no lock. A writer takes every command queued for
// it (up to a limit), applies them in order to one Draft, writes the Draft as
// one RocksDB WriteBatch with a synced WAL write, publishes it to memory, and
// only then completes the commands: group commit.
//
// Thread safety: Submit may be called from any thread. The queue is bounded;
// Submit blocks while a writer's queue is full.

#ifndef TIMEBANK_LEDGER_SEQUENCER_H_
#define TIMEBANK_LEDGER_SEQUENCER_H_

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "ledger/draft.h"

namespace timebank::ledger {

struct Command {
  std::string timebank_id;
  // Validates and applies to the draft, keeping its own result.
  std::function<void(Draft&)> apply;
  // Called once the commit is durable (OK) or has failed; the command then
  // reports its own result, or the commit's error if it had succeeded.
  std::function<void(const absl::Status& commit)> done;
  // How many items the command carries (a bulk record carries many); the
  // batch limit counts items.
  size_t items = 1;
};

class Sequencer {
 public:
  // Makes a draft for one commit.
  using DraftFactory = std::function<std::unique_ptr<Draft>()>;
  // Writes and publishes a draft built from `commands` commands; OK only if
  // durable.
  using Committer = std::function<absl::Status(Draft&, size_t commands)>;

  struct Options {
    int writer_threads = 1;
    size_t max_batch_items = 4096;
    size_t max_queued_commands = 65536;
  };

  Sequencer(Options options, DraftFactory make_draft, Committer commit);
  ~Sequencer();  // Stops, failing anything still queued.

  void Submit(Command command);
  // Finishes what is queued, then stops the writers. Later submissions fail
  // with kUnavailable.
  void Stop();

 private:
  struct Writer {
    std::mutex mu;
    std::condition_variable not_empty;
    std::condition_variable not_full;
    std::deque<Command> queue;
    bool stopping = false;
    std::thread thread;
  };
  void Run(Writer& writer);
  void CommitBatch(std::vector<Command>& batch);

  Options options_;
  DraftFactory make_draft_;
  Committer commit_;
  std::vector<std::unique_ptr<Writer>> writers_;
  std::once_flag stopped_;
};

}  // namespace timebank::ledger

#endif  // TIMEBANK_LEDGER_SEQUENCER_H_
